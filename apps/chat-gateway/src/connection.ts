import { CloseCodes, type Access, type User } from '@herald/protocol';
import { WebSocket } from 'ws';
import { atExpiry } from '@herald/server-kit';
import { CloseCode } from './errors.js';
import type { Grant } from './identity.js';
import { FrameJoiner, writeFrames, type Outbox } from './outbox.js';
import type { RateLimiter } from './rate-limiter.js';
import { textFrameOf } from './wire.js';

/** Frames of one connection waiting for an earlier one (a join, a publish) to finish. */
const PAUSE_AT = 32;
const RESUME_AT = 8;
const RESOLVED: Promise<void> = Promise.resolve();
/** Joins nothing: writeFrames hands a single frame through as it is. */
const SINGLE_FRAME = new FrameJoiner();

/** What every connection of one gateway shares (one object, not one per socket). */
export interface ConnectionHooks {
  maxBufferedBytes: number;
  /** Where connections with frames this turn wait for their one write. */
  outbox: Outbox;
  /** Called once, when the connection starts closing or is closed from the other side. */
  onEnd: (connection: Connection) => void;
  /** Called when the socket was closed for being a slow consumer. */
  onSlow: (connection: Connection) => void;
  /** A scheduled task failed (the bus is down). */
  onTaskError: (connection: Connection, err: unknown) => void;
}

export interface ConnectionOptions {
  id: string;
  grant: Grant;
  socket: WebSocket;
  /** Seed-compatible `/` client: plain text frames, lobby only. */
  seedMode: boolean;
  limiter: RateLimiter | undefined;
  /** Joins and `history` requests (JOIN_RATE_LIMIT / JOIN_BURST); absent: unlimited. */
  joinLimiter?: RateLimiter | undefined;
  hooks: ConnectionHooks;
}

/**
 * Per-socket state, kept small: identity, rooms, limiter, liveness flag, and an
 * ordered queue so a `send` right after a `join` waits for the join to finish.
 */
export class Connection {
  readonly id: string;
  /** Stays the user of the first token: a refresh must name the same `sub`. */
  readonly user: User;
  /** What the current token allows; a refresh replaces it. */
  access: Access;
  /** When the current token expires (ms); undefined with auth off. */
  exp: number | undefined;
  #cancelExpiry: (() => void) | undefined;
  readonly socket: WebSocket;
  /** Seed-compatible `/` client: plain text frames, lobby only. */
  readonly seedMode: boolean;
  readonly limiter: RateLimiter | undefined;
  readonly joinLimiter: RateLimiter | undefined;
  readonly rooms = new Set<string>();
  /** Cleared on each ping, set by the pong: a connection still false at the next tick is dead. */
  alive = true;
  /** Consecutive refused frames of a seed-mode client. */
  strikes = 0;
  #ending = false;
  #tail = RESOLVED;
  #queued = 0;
  #paused = false;
  /** Complete frames of this turn, not written yet (undefined while there are none). */
  #out: Buffer[] | undefined;
  readonly #hooks: ConnectionHooks;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.user = options.grant.user;
    this.access = options.grant.access;
    this.exp = undefined;
    this.socket = options.socket;
    this.seedMode = options.seedMode;
    this.limiter = options.limiter;
    this.joinLimiter = options.joinLimiter;
    this.#hooks = options.hooks;
    // Last: an expiry already due ends the connection at once, which needs the socket and hooks.
    this.expireAt(options.grant.exp);
  }

  get ending(): boolean {
    return this.#ending;
  }

  /**
   * Closes the connection with 4401 at `exp` unless a refresh moves it (the
   * client comes back with a new token and `since`, losing nothing).
   */
  expireAt(exp: number | undefined): void {
    this.#cancelExpiry?.();
    this.#cancelExpiry = undefined;
    this.exp = exp;
    if (exp === undefined || this.#ending) return;
    this.#cancelExpiry = atExpiry(exp, () => this.end(CloseCodes.token_expired, 'token_expired'));
  }

  /**
   * Queues one complete frame (see wire.ts) for this turn's write, unless the peer
   * already has more than MAX_BUFFERED_BYTES unsent from earlier turns: then it is
   * closed with 1013 and false returned. Only the backlog counts, not the frame: a frame larger
   * than the limit (a `joined` carrying 50 long messages) must still reach a
   * client that reads.
   */
  send(frame: Buffer): boolean {
    const socket = this.socket;
    if (this.#ending || socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount > this.#hooks.maxBufferedBytes) {
      this.end(CloseCode.tryAgainLater, 'slow consumer');
      this.#hooks.onSlow(this);
      return false;
    }
    if (this.#out === undefined) {
      this.#out = [frame];
      this.#hooks.outbox.add(this);
    } else {
      this.#out.push(frame);
    }
    return true;
  }

  sendText(text: string): boolean {
    return this.send(textFrameOf(text));
  }

  /**
   * The first frame of the connection, written at once rather than at the end of
   * the turn: nothing can be queued before it, and the upgrade's 101 is still held
   * (ws-internals.ts holdHandshakes), so both leave in one write.
   */
  greet(text: string): void {
    if (this.#ending || this.#out !== undefined) {
      this.sendText(text);
      return;
    }
    writeFrames(this.socket, [textFrameOf(text)], SINGLE_FRAME);
  }

  /** Writes this turn's frames (outbox.ts writeFrames). Frames queued before a close are written before it. */
  flush(joiner: FrameJoiner): void {
    const frames = this.#out;
    if (frames === undefined) return;
    this.#out = undefined;
    writeFrames(this.socket, frames, joiner);
  }

  /**
   * A reply to a frame that needs no bus work (an error): sent at once, or after
   * the replies of earlier frames still running, so replies keep request order.
   */
  reply(frame: string): void {
    if (this.#queued === 0) this.sendText(frame);
    else this.schedule(async () => void this.sendText(frame));
  }

  /**
   * Starts a close handshake. A peer that does not read never receives the close
   * frame; the liveness sweep terminates it once it stops answering pings.
   */
  end(code: number, reason: string): void {
    if (this.#ending) return;
    this.#flushNow();
    this.#ending = true;
    this.#cancelExpiry?.();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
    this.#hooks.onEnd(this);
  }

  /** The socket is closed (either side, or terminated). */
  closed(): void {
    this.#out = undefined;
    this.#cancelExpiry?.();
    if (this.#ending) return;
    this.#ending = true;
    this.#hooks.onEnd(this);
  }

  /** Runs tasks one after another; pauses reading while too many wait. */
  schedule(task: () => Promise<void>): void {
    if (this.#ending) return;
    this.#queued += 1;
    if (this.#queued >= PAUSE_AT && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
    // Closures per task, not per connection: an idle connection holds none.
    this.#tail = this.#tail
      .then(() => (this.#ending ? undefined : task()))
      .then(
        () => this.#settle(),
        (err: unknown) => this.#fail(err),
      );
  }

  #flushNow(): void {
    if (this.#out !== undefined) this.flush(new FrameJoiner());
  }

  #settle(): void {
    this.#queued -= 1;
    if (this.#paused && this.#queued <= RESUME_AT) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  #fail(err: unknown): void {
    this.#settle();
    this.#hooks.onTaskError(this, err);
  }
}
