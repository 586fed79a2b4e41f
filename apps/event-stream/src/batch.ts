import type { BusEvent } from '@herald/bus';
import { compareIds } from '@herald/protocol';
import { httpChunk } from './http-chunk.js';

/** What the hub hands a subscriber once per event-loop turn. */
export interface Batch {
  /** Oldest first. */
  readonly events: readonly BusEvent[];
  /** The SSE frame of each event, encoded once. */
  readonly frames: readonly string[];
  /** All frames as one Buffer, shared by every subscriber of the batch. */
  readonly bytes: Buffer;
  /** `bytes` as one HTTP chunk, for streams written straight to their socket. */
  readonly chunked: Buffer;
}

export function makeBatch(events: readonly BusEvent[], frames: readonly string[]): Batch {
  const bytes = Buffer.from(frames.join(''));
  return { events, frames, bytes, chunked: httpChunk(bytes) };
}

/**
 * One batch for a stream of several topics, in id order: ids are one sequence across
 * topics, and a client that resumes from the last id it saw must not have skipped
 * an older event of another topic that was sent after it.
 */
export function mergeBatches(batches: readonly Batch[]): Batch {
  const pairs: Array<{ event: BusEvent; frame: string }> = [];
  for (const batch of batches) {
    for (let i = 0; i < batch.events.length; i += 1) pairs.push({ event: batch.events[i]!, frame: batch.frames[i]! });
  }
  pairs.sort((a, b) => compareIds(a.event.id, b.event.id));
  return makeBatch(
    pairs.map((p) => p.event),
    pairs.map((p) => p.frame),
  );
}
