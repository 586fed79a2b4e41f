import type { BusEvent } from '@herald/bus';
import type { LiveFloors } from '@herald/protocol';
import type { Batch } from './batch.js';
import type { SseStream } from './sse-stream.js';

/**
 * The server side of one SSE connection, as the hub sees it. Until `goLive` it
 * holds what arrives (the hub is still reading history for the resume); after that
 * it writes each batch straight to its stream.
 */
export class Subscriber {
  readonly #held: BusEvent[] = [];
  #heldBytes = 0;
  #live = false;
  #closed = false;
  /** Per topic, the newest id the client has (see @herald/protocol resume); undefined once every topic is past it. */
  #floors: LiveFloors | undefined;

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
    if (this.#live) return this.#floors === undefined ? this.stream.writeShared(batch.bytes, batch.chunked) : this.#writeNew(batch);
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
   * Writes the replay (possibly empty) and switches to live delivery. Live events
   * at or below a topic's floor are dropped: this instance's bus reader may still
   * be delivering events the client already has.
   */
  goLive(replay: Buffer, floors: LiveFloors): void {
    if (this.#closed) return;
    if (replay.length > 0) this.stream.write(replay);
    this.#live = true;
    if (floors.size > 0) this.#floors = floors;
  }

  #writeNew(batch: Batch): boolean {
    const floors = this.#floors!;
    const fresh: string[] = [];
    batch.events.forEach((event, i) => {
      if (floors.admit(event.topic, event.id)) fresh.push(batch.frames[i]!);
    });
    if (floors.size === 0) this.#floors = undefined;
    if (fresh.length === batch.frames.length) return this.stream.writeShared(batch.bytes, batch.chunked);
    return fresh.length > 0 && this.stream.write(fresh.join(''));
  }

  heartbeat(bytes: Buffer, chunked: Buffer): void {
    if (this.#live && !this.#closed) this.stream.writeShared(bytes, chunked);
  }
}
