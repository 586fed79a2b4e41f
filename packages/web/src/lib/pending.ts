import { ClientError } from './errors.js';

interface Entry<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Requests waiting for their reply (a `send` for its `ack`, a `join` for its
 * `joined`), each failing with a `timeout` ClientError when no reply comes in time.
 */
export class PendingReplies<T> {
  readonly #entries = new Map<string, Entry<T>>();

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** A second wait for the same key fails the first one: only one reply is coming. */
  wait(key: string, timeoutMs: number, what: string): Promise<T> {
    this.reject(key, new ClientError('superseded', `${what}: superseded by a newer request`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#entries.delete(key);
        reject(new ClientError('timeout', `${what}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#entries.set(key, { resolve, reject, timer });
    });
  }

  resolve(key: string, value: T): boolean {
    const entry = this.#take(key);
    entry?.resolve(value);
    return entry !== undefined;
  }

  reject(key: string, error: Error): boolean {
    const entry = this.#take(key);
    entry?.reject(error);
    return entry !== undefined;
  }

  resolveAll(value: T): void {
    for (const key of [...this.#entries.keys()]) this.resolve(key, value);
  }

  rejectAll(error: Error): void {
    for (const key of [...this.#entries.keys()]) this.reject(key, error);
  }

  #take(key: string): Entry<T> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#entries.delete(key);
    return entry;
  }
}
