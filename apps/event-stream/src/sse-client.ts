import type { BusEvent } from '@herald/bus';
import type { Batch } from './batch.js';
import type { SseStream } from './sse-stream.js';

/**
 * One SSE connection as the hub sees it. Until `goLive` it holds what arrives (the
 * route is still reading history for the resume); after that it writes each batch
 * straight to its stream.
 */
export class SseClient {
  readonly #held: BusEvent[] = [];
  #heldBytes = 0;
  #live = false;
  #closed = false;

  constructor(
    readonly stream: SseStream,
    readonly topics: readonly string[],
    private readonly maxHeldBytes: number,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Set by the hub when it lets go of this client. */
  markClosed(): void {
    this.#closed = true;
  }

  /** True when the batch was written to the socket. */
  deliver(batch: Batch): boolean {
    if (this.#closed) return false;
    if (this.#live) return this.stream.write(batch.chunk);
    for (const event of batch.events) {
      this.#held.push(event);
      this.#heldBytes += event.data.length;
    }
    // Holding is bounded like a socket buffer: a flood during a slow replay cuts off.
    if (this.#heldBytes > this.maxHeldBytes) this.stream.cutOff();
    return false;
  }

  takeHeld(): BusEvent[] {
    const held = this.#held.splice(0);
    this.#heldBytes = 0;
    return held;
  }

  /** Writes the replay (possibly empty) and switches to live delivery. */
  goLive(replay: string): void {
    if (this.#closed) return;
    if (replay.length > 0) this.stream.write(replay);
    this.#live = true;
  }

  heartbeat(chunk: Buffer): void {
    if (this.#live && !this.#closed) this.stream.write(chunk);
  }
}
