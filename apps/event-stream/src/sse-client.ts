import type { BusEvent } from '@herald/bus';
import { compareIds } from '@herald/protocol';
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
  /** Per topic, the newest id the replay covered (see replayFloors); gone once passed. */
  #floors: Map<string, string> | undefined;

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
    if (this.#live) return this.#floors === undefined ? this.stream.writeShared(batch.chunk, batch.framed) : this.#writeNew(batch);
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

  /**
   * Writes the replay (possibly empty) and switches to live delivery. With
   * `floors`, live events at or below a topic's floor are dropped: this
   * instance's bus reader may still be delivering events the client already has.
   */
  goLive(replay: string, floors?: Map<string, string>): void {
    if (this.#closed) return;
    if (replay.length > 0) this.stream.write(replay);
    this.#live = true;
    if (floors !== undefined && floors.size > 0) this.#floors = floors;
  }

  #writeNew(batch: Batch): boolean {
    const floors = this.#floors!;
    const fresh: string[] = [];
    batch.events.forEach((event, i) => {
      const floor = floors.get(event.topic);
      if (floor !== undefined && compareIds(event.id, floor) <= 0) return;
      // A topic's live events come in id order: past the floor once, past it for good.
      floors.delete(event.topic);
      fresh.push(batch.frames[i]!);
    });
    if (floors.size === 0) this.#floors = undefined;
    if (fresh.length === batch.frames.length) return this.stream.writeShared(batch.chunk, batch.framed);
    return fresh.length > 0 && this.stream.write(fresh.join(''));
  }

  heartbeat(chunk: Buffer, framed: Buffer): void {
    if (this.#live && !this.#closed) this.stream.writeShared(chunk, framed);
  }
}
