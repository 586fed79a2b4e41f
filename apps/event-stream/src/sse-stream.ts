import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { LAST_CHUNK, writeChunk } from './http-chunk.js';
import { flattenSentHead, takeOverSocket, writeChunkToSocket } from './node-private.js';

export type Headers = Record<string, number | string | string[] | undefined>;

/** Shared by every stream of a hub (one object, not one per connection). */
export interface SseStreamOptions {
  /** Unsent bytes above which the peer counts as too slow and is cut off. */
  maxBufferedBytes: number;
  /** Called once when a stream is cut off for being slow, with its stream. */
  onSlow: (stream: SseStream) => void;
}

/**
 * One client's response, write-only and thin: the hub and the route decide what to
 * send, this only writes it or gives up. Nothing here parses or encodes.
 *
 * Once the head is out the stream usually owns the socket itself (takeOverSocket
 * in node-private.ts) and the response is let go; until then, and for the whole
 * stream where that does not apply (HTTP/1.0, a pipelined response), it writes
 * through the response.
 */
export class SseStream {
  #res: ServerResponse | undefined;
  #socket: Socket | undefined;
  readonly #options: SseStreamOptions;
  #ended = false;
  #opened = false;

  constructor(res: ServerResponse, options: SseStreamOptions) {
    this.#res = res;
    this.#options = options;
  }

  /** What the bytes go to: the socket once taken over, else the response. */
  get #sink(): ServerResponse | Socket {
    return this.#socket ?? this.#res!;
  }

  /** The socket, once this stream took it over from node:http (its 'close' is then the stream's). */
  get socket(): Socket | undefined {
    return this.#socket;
  }

  get ended(): boolean {
    return this.#ended || this.#sink.destroyed;
  }

  /** Whether the response head went out (until then Fastify may still answer with an error). */
  get opened(): boolean {
    return this.#opened;
  }

  /**
   * Sends the status line and headers together with the first chunk, then takes
   * the socket over when it can. Headers go straight to writeHead, so the response
   * keeps no per-header table for its life.
   */
  open(headers: Headers, first: string): void {
    this.#opened = true;
    const res = this.#res!;
    const head: Record<string, number | string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) head[name] = value;
    }
    res.writeHead(200, head);
    res.write(first);
    this.#socket = takeOverSocket(res);
    if (this.#socket === undefined) flattenSentHead(res);
    else this.#res = undefined;
  }

  /**
   * Writes unless the peer already has more than maxBufferedBytes waiting (kernel
   * buffers full, nothing draining): then the connection is destroyed instead, since
   * a graceful end would queue behind the same unread bytes.
   */
  write(chunk: Buffer | string): boolean {
    if (!this.#writable()) return false;
    if (this.#socket !== undefined) writeChunk(this.#socket, chunk);
    else this.#res!.write(chunk);
    return true;
  }

  /**
   * `write` for bytes every stream receives, given also as one HTTP chunk
   * (`chunked`): that goes straight to the socket when it can (node-private.ts).
   */
  writeShared(bytes: Buffer, chunked: Buffer): boolean {
    if (!this.#writable()) return false;
    if (this.#socket !== undefined) this.#socket.write(chunked);
    else if (!writeChunkToSocket(this.#res!, chunked)) this.#res!.write(bytes);
    return true;
  }

  #writable(): boolean {
    if (this.ended) return false;
    if (this.#sink.writableLength > this.#options.maxBufferedBytes) {
      this.cutOff();
      return false;
    }
    return true;
  }

  /** True when the socket has more waiting than it wants (the last write returned false). */
  get needsDrain(): boolean {
    return this.#sink.writableNeedDrain;
  }

  /** Resolves true once what was written has drained, false if the stream closed first. */
  drained(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    const sink = this.#sink;
    if (!sink.writableNeedDrain) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        sink.off('drain', onDrain);
        sink.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      sink.on('drain', onDrain);
      sink.on('close', onClose);
    });
  }

  /** Drops a peer that cannot keep up. */
  cutOff(): void {
    if (this.ended) return;
    this.destroy();
    this.#options.onSlow(this);
  }

  /**
   * Ends the body cleanly (drain, token expiry): the client reconnects with
   * Last-Event-ID. A taken-over socket cannot go back to node:http for a next
   * request, so the connection closes once the last chunk is out.
   */
  end(): void {
    if (this.ended) return;
    this.#ended = true;
    const socket = this.#socket;
    if (socket === undefined) this.#res!.end();
    else socket.end(LAST_CHUNK, () => socket.destroy());
  }

  destroy(): void {
    this.#ended = true;
    this.#sink.destroy();
  }
}
