import { WebSocket } from 'ws';
import { framePayload } from './wire.js';
import { rawSocketOf } from './ws-internals.js';

const TEXT = { binary: false } as const;

/** A connection with frames waiting for the end of the turn. */
export interface Flushable {
  flush(joiner: FrameJoiner): void;
}

/**
 * Joins a connection's frames of one turn into one Buffer. In a broadcast every
 * member of a room usually holds the very same frames, so the last join is kept
 * and handed out again when the next list holds the same Buffers in the same order:
 * one copy per turn for the room, not one per socket.
 */
export class FrameJoiner {
  #frames: readonly Buffer[] = [];
  #joined: Buffer | undefined;

  join(frames: readonly Buffer[]): Buffer {
    if (frames.length === 1) return frames[0]!;
    if (this.#joined !== undefined && sameFrames(frames, this.#frames)) return this.#joined;
    this.#frames = frames;
    this.#joined = Buffer.concat(frames);
    return this.#joined;
  }

  reset(): void {
    this.#frames = [];
    this.#joined = undefined;
  }
}

function sameFrames(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Coalesces writes: a connection that gets frames during one event-loop turn is
 * flushed once, in process.nextTick, so a burst costs each socket one write per
 * turn instead of one per message. nextTick runs after the turn's promise jobs,
 * so every publish that the same read of the socket started (they chain through
 * promises on the in-memory bus) shares that write.
 */
export class Outbox {
  #dirty: Flushable[] = [];
  #scheduled = false;
  readonly #joiner = new FrameJoiner();

  /** Call once per turn per connection: on its first frame of the turn. */
  add(conn: Flushable): void {
    this.#dirty.push(conn);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const conn of dirty) conn.flush(this.#joiner);
    // Let the joined Buffer go: it can be large and the next turn joins other frames.
    this.#joiner.reset();
  };
}

/**
 * Writes one turn's frames of a socket in one write, straight to the TCP socket when
 * `ws` has nothing of its own in flight (frames never interleave), else through
 * `ws.send` one by one. Shared by the native and the Pusher transports.
 */
export function writeFrames(socket: WebSocket, frames: readonly Buffer[], joiner: FrameJoiner): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  const tcp = rawSocketOf(socket);
  if (tcp !== undefined) {
    tcp.write(joiner.join(frames));
    return;
  }
  for (const frame of frames) socket.send(framePayload(frame), TEXT);
}
