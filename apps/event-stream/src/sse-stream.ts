import type { ServerResponse } from 'node:http';
import { flattenSentHead, writeChunkToSocket } from './node-private.js';

export type Headers = Record<string, number | string | string[] | undefined>;

/** Shared by every stream of a hub (one object, not one per connection). */
export interface SseStreamOptions {
  /** Unsent bytes above which the peer counts as too slow and is cut off. */
  maxBufferedBytes: number;
  /** Called once when a stream is cut off for being slow, with its response. */
  onSlow: (res: ServerResponse) => void;
}

/**
 * One client's response, write-only and thin: the hub and the route decide what to
 * send, this only writes it or gives up. Nothing here parses or encodes.
 */
export class SseStream {
  readonly #res: ServerResponse;
  readonly #options: SseStreamOptions;
  #ended = false;
  #opened = false;

  constructor(res: ServerResponse, options: SseStreamOptions) {
    this.#res = res;
    this.#options = options;
  }

  get ended(): boolean {
    return this.#ended || this.#res.destroyed;
  }

  /** Whether the response head went out (until then Fastify may still answer with an error). */
  get opened(): boolean {
    return this.#opened;
  }

  /**
   * Sends the status line and headers together with the first chunk. Headers go
   * straight to writeHead, so the response keeps no per-header table for its life.
   */
  open(headers: Headers, first: string): void {
    this.#opened = true;
    const head: Record<string, number | string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) head[name] = value;
    }
    this.#res.writeHead(200, head);
    this.#res.write(first);
    flattenSentHead(this.#res);
  }

  /**
   * Writes unless the peer already has more than maxBufferedBytes waiting (kernel
   * buffers full, nothing draining): then the connection is destroyed instead, since
   * a graceful end would queue behind the same unread bytes.
   */
  write(chunk: Buffer | string): boolean {
    if (this.ended) return false;
    if (this.#res.writableLength > this.#options.maxBufferedBytes) {
      this.cutOff();
      return false;
    }
    this.#res.write(chunk);
    return true;
  }

  /**
   * `write` for bytes every stream receives, given also as one HTTP chunk
   * (`chunked`): that goes straight to the socket when it can (node-private.ts).
   */
  writeShared(bytes: Buffer, chunked: Buffer): boolean {
    if (this.ended) return false;
    if (this.#res.writableLength > this.#options.maxBufferedBytes) {
      this.cutOff();
      return false;
    }
    if (!writeChunkToSocket(this.#res, chunked)) this.#res.write(bytes);
    return true;
  }

  /** True when the socket has more waiting than it wants (the last write returned false). */
  get needsDrain(): boolean {
    return this.#res.writableNeedDrain;
  }

  /** Resolves true once what was written has drained, false if the stream closed first. */
  drained(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    if (!this.#res.writableNeedDrain) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.#res.off('drain', onDrain);
        this.#res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.#res.on('drain', onDrain);
      this.#res.on('close', onClose);
    });
  }

  /** Drops a peer that cannot keep up. */
  cutOff(): void {
    if (this.ended) return;
    this.destroy();
    this.#options.onSlow(this.#res);
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
