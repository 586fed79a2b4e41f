import { encodeEvent } from './sse.js';

/**
 * What the event stream's SSE carries besides published events: the built-in
 * topic and the event that tells a resuming client it missed something. The
 * server writes these and the browser client reads them, so both spell them here.
 */

/** The built-in topic: the server's clock every interval, local to each instance and without history. */
export const TIME_TOPIC = 'time';

/** The SSE event name saying history no longer reaches the client's Last-Event-ID. */
export const RESET_EVENT = 'reset';

/** The `data` of a `reset` event. */
export interface ResetData {
  reason: 'history_trimmed';
  /** The topics whose history was trimmed past `lastEventId`. */
  topics: string[];
  lastEventId: string;
}

/** A `reset` event. It carries no `id:`, so the client's last event id stays where it was. */
export function encodeReset(topics: readonly string[], lastEventId: string): string {
  const data: ResetData = { reason: 'history_trimmed', topics: [...topics], lastEventId };
  return encodeEvent({ event: RESET_EVENT, data: JSON.stringify(data) });
}
