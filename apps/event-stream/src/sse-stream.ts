import type { ServerResponse } from 'node:http';

export type Headers = Record<string, number | string | string[] | undefined>;

export interface SseStreamOptions {
  /** Unsent bytes above which the peer counts as too slow and is cut off. */
  maxBufferedBytes: number;
  /** Called once when the stream is cut off for being slow. */
  onSlow: () => void;
}

/**
 * One client's response, write-only and thin: the hub and the route decide what to
 * send, this only writes it or gives up. Nothing here parses or encodes.
 */
export class SseStream {
  readonly #res: ServerResponse;
  readonly #maxBufferedBytes: number;
  readonly #onSlow: () => void;
  #ended = false;
  #opened = false;

  constructor(res: ServerResponse, options: SseStreamOptions) {
    this.#res = res;
    this.#maxBufferedBytes = options.maxBufferedBytes;
    this.#onSlow = options.onSlow;
  }

  get ended(): boolean {
    return this.#ended || this.#res.destroyed;
  }

  /** Whether the response head went out (until then Fastify may still answer with an error). */
  get opened(): boolean {
    return this.#opened;
  }

  /** Sends the status line and headers together with the first chunk. */
  open(headers: Headers, first: string): void {
    this.#opened = true;
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) this.#res.setHeader(name, value);
    }
    this.#res.writeHead(200);
    this.#res.write(first);
  }

  /**
   * Writes unless the peer already has more than maxBufferedBytes waiting (kernel
   * buffers full, nothing draining): then the connection is destroyed instead, since
   * a graceful end would queue behind the same unread bytes.
   */
  write(chunk: Buffer | string): boolean {
    if (this.ended) return false;
    if (this.#res.writableLength > this.#maxBufferedBytes) {
      this.cutOff();
      return false;
    }
    this.#res.write(chunk);
    return true;
  }

  /** Drops a peer that cannot keep up. */
  cutOff(): void {
    if (this.ended) return;
    this.destroy();
    this.#onSlow();
  }

  /** Ends the response cleanly (drain): the client reconnects with Last-Event-ID. */
  end(): void {
    if (this.ended) return;
    this.#ended = true;
    this.#res.end();
  }

  destroy(): void {
    this.#ended = true;
    this.#res.destroy();
  }
}
