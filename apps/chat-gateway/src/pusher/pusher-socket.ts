import type { PusherApp, SignedInUser } from '@herald/pusher';
import { PusherCode, CLOSE_REASON } from '@herald/pusher';
import { WebSocket } from 'ws';
import { FrameJoiner, writeFrames, type Flushable, type Outbox } from '../outbox.js';
import { RateLimiter } from '../rate-limiter.js';
import { textFrame } from '../wire.js';

/** A channel of one socket: waiting for its auth/presence/cache reads, or subscribed. */
export interface SocketChannel {
  state: 'subscribing' | 'subscribed';
  /** Presence channels: this socket's member (its user id is what client events carry). */
  userId?: string;
}

export interface PusherSocketOptions {
  readonly socket: WebSocket;
  readonly app: PusherApp;
  readonly socketId: string;
  readonly maxBufferedBytes: number;
  readonly clientEventRate: number;
  /** Subscribes per second after `subscribeBurst` at once (JOIN_RATE_LIMIT / JOIN_BURST); 0: no limit. */
  readonly subscribeRate: number;
  readonly subscribeBurst: number;
  /** Coalesces each turn's frames into one write per socket (shared with the native transport). */
  readonly outbox: Outbox;
  /** Called once when the socket is cut for not reading (it is closed with 4100). */
  readonly onSlow: () => void;
}

/**
 * One pusher-js connection, as the Pusher transport sees it: its app, socket id,
 * channels, signed-in user, client-event budget and liveness. Thin: frames are
 * decided elsewhere (frame-handler.ts), this only holds state and writes.
 */
export class PusherSocket implements Flushable {
  readonly socket: WebSocket;
  readonly app: PusherApp;
  readonly socketId: string;
  readonly channels = new Map<string, SocketChannel>();
  readonly clientEvents: RateLimiter;
  /** The same bucket a native connection's joins spend: a subscribe storm costs no bus work. */
  readonly subscribes: RateLimiter | undefined;
  user: SignedInUser | undefined;
  /** performance.now() of the last frame from the client. */
  lastSeen = performance.now();
  /** When our `pusher:ping` went out unanswered; undefined when none is pending. */
  pingSentAt: number | undefined;
  /** Serializes the socket's bus work, so subscribe/unsubscribe of one channel keep their order. */
  queue: Promise<void> = Promise.resolve();
  #closed = false;
  #out: Buffer[] | undefined;
  readonly #options: PusherSocketOptions;

  constructor(options: PusherSocketOptions) {
    this.socket = options.socket;
    this.app = options.app;
    this.socketId = options.socketId;
    this.clientEvents = new RateLimiter(options.clientEventRate);
    this.subscribes = options.subscribeRate > 0 ? new RateLimiter(options.subscribeRate, undefined, options.subscribeBurst) : undefined;
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed || this.socket.readyState !== WebSocket.OPEN;
  }

  markClosed(): void {
    this.#closed = true;
  }

  send(text: string): boolean {
    return this.sendFrame(textFrame(Buffer.from(text)));
  }

  /**
   * Queues a complete frame (wire.ts) for this turn's write, unless the peer already
   * has MAX_BUFFERED_BYTES unread: then it is cut (4100, reconnect with backoff). A
   * broadcast hands every socket the same Buffer.
   */
  sendFrame(frame: Buffer): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount > this.#options.maxBufferedBytes) {
      this.close(PusherCode.OVER_CAPACITY);
      this.#options.onSlow();
      return false;
    }
    if (this.#out === undefined) {
      this.#out = [frame];
      this.#options.outbox.add(this);
    } else {
      this.#out.push(frame);
    }
    return true;
  }

  flush(joiner: FrameJoiner): void {
    const frames = this.#out;
    if (frames === undefined) return;
    this.#out = undefined;
    writeFrames(this.socket, frames, joiner);
  }

  /** Frames queued before the close go out before it. */
  close(code: PusherCode, reason: string = CLOSE_REASON[code]): void {
    if (this.#closed) return;
    this.flush(new FrameJoiner());
    this.#closed = true;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
  }

  /** Runs bus work after what this socket queued before; failures go to `onError`. */
  schedule(task: () => Promise<void>, onError: (err: unknown) => void): void {
    this.queue = this.queue.then(task).catch(onError);
  }
}
