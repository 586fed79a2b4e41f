import { connect, type Socket } from 'node:net';

/**
 * A raw client that writes `prefix` at once and then `text` one byte every
 * `everyMs` (a slowloris), or nothing at all, and records what the server answers
 * and when it hangs up.
 */
export class Dripper {
  sent = 0;
  received = '';
  closed = false;
  readonly #socket: Socket;
  #timer: NodeJS.Timeout | undefined;

  constructor(port: number, text: string, prefix = '', everyMs = 100) {
    this.#socket = connect(port, '127.0.0.1');
    this.#socket.on('connect', () => {
      if (prefix.length > 0) this.#socket.write(prefix);
      if (text.length === 0) return;
      this.#timer = setInterval(() => {
        if (this.sent < text.length && !this.closed) this.#socket.write(text[this.sent++]!);
      }, everyMs);
    });
    this.#socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    this.#socket.on('error', () => undefined);
    this.#socket.on('close', () => {
      this.closed = true;
      clearInterval(this.#timer);
    });
  }

  /** The status of the server's answer, if it sent one before closing. */
  get status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(this.received);
    return match ? Number(match[1]) : undefined;
  }

  destroy(): void {
    clearInterval(this.#timer);
    this.#socket.destroy();
  }
}

/** Request headers that never end: a dripper sending them is never done. */
export function endlessHeaders(requestLine: string): string {
  return `${requestLine}\r\nHost: x\r\n${'X-Pad: y\r\n'.repeat(10_000)}`;
}
