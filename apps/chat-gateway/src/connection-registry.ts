import type { Connection } from './connection.js';
import { CloseCode } from './errors.js';

/**
 * The open connections of one gateway, and the drain that ends them: close with
 * 1001, wait up to a grace period for the close handshakes, then terminate the
 * peers that did not answer (not reading, or gone).
 */
export class ConnectionRegistry implements Iterable<Connection> {
  readonly #connections = new Set<Connection>();
  #onEmpty: (() => void) | undefined;

  get size(): number {
    return this.#connections.size;
  }

  [Symbol.iterator](): Iterator<Connection> {
    return this.#connections[Symbol.iterator]();
  }

  add(conn: Connection): void {
    this.#connections.add(conn);
  }

  /** True when `conn` was registered (a socket closes once). */
  remove(conn: Connection): boolean {
    const removed = this.#connections.delete(conn);
    if (this.#connections.size === 0) this.#onEmpty?.();
    return removed;
  }

  async drain(graceMs: number): Promise<void> {
    const allClosed = new Promise<void>((resolve) => {
      this.#onEmpty = resolve;
      if (this.#connections.size === 0) resolve();
    });
    for (const conn of this.#connections) conn.end(CloseCode.goingAway, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([allClosed, grace]);
    clearTimeout(timer);
    // terminate() closes at once, so their 'close' (and presence leave) follow.
    for (const conn of this.#connections) conn.socket.terminate();
    await allClosed;
  }
}
