import type { BusEvent } from '@herald/bus';
import { encodeEvent, HEARTBEAT } from '@herald/protocol';
import { httpChunk } from './http-chunk.js';

/** The SSE frame of one bus event: `id:`, optional `event:`, `data:` lines. */
export function encodeBusEvent(event: BusEvent): string {
  return event.event === undefined
    ? encodeEvent({ id: event.id, data: event.data })
    : encodeEvent({ id: event.id, event: event.event, data: event.data });
}

/** Encoded once: every stream receives the same bytes. */
export const HEARTBEAT_CHUNK = Buffer.from(HEARTBEAT);
export const HEARTBEAT_FRAMED = httpChunk(HEARTBEAT_CHUNK);
