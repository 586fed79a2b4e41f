import type { BusEvent } from '@herald/bus';
import { encodeEvent, HEARTBEAT } from '@herald/protocol';
import { httpChunk } from './http-chunk.js';

/*
 * Words used across this app: a frame is the SSE text of one event (a string);
 * bytes are frames joined into one Buffer; chunked is bytes framed as one HTTP/1.1
 * chunk, ready for the socket.
 */

/** The SSE frame of one bus event: `id:`, optional `event:`, `data:` lines. */
export function encodeBusEvent(event: BusEvent): string {
  return event.event === undefined
    ? encodeEvent({ id: event.id, data: event.data })
    : encodeEvent({ id: event.id, event: event.event, data: event.data });
}

/** Encoded once: every stream receives the same bytes. */
export const HEARTBEAT_BYTES = Buffer.from(HEARTBEAT);
export const HEARTBEAT_CHUNKED = httpChunk(HEARTBEAT_BYTES);
