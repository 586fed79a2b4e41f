/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events", 9.2.6). Pure: it
 * returns strings and never touches a socket, so one encoded event can be written
 * to every subscriber.
 */

export interface SseEvent {
  id?: string;
  event?: string;
  /** Sent as-is: may hold LF, CR or CRLF, which become several `data:` lines. */
  data?: string;
  retry?: number;
}

export class SseEncodeError extends TypeError {
  constructor(field: string) {
    super(`SSE field "${field}" must not contain CR, LF or NUL`);
    this.name = 'SseEncodeError';
  }
}

// An `id` or `event` value holding a line break would start a new field (a client
// could be fed a forged event); NUL in an id makes parsers ignore the field.
// eslint-disable-next-line no-control-regex
const UNSAFE_FIELD = /[\r\n\u0000]/;
const LINE_BREAK = /\r\n|\r|\n/;

export function encodeEvent(event: SseEvent): string {
  let out = '';
  if (event.id !== undefined) {
    if (UNSAFE_FIELD.test(event.id)) throw new SseEncodeError('id');
    out += `id: ${event.id}\n`;
  }
  if (event.event !== undefined) {
    if (UNSAFE_FIELD.test(event.event)) throw new SseEncodeError('event');
    out += `event: ${event.event}\n`;
  }
  if (event.retry !== undefined) {
    if (!Number.isSafeInteger(event.retry) || event.retry < 0) {
      throw new TypeError('SSE retry must be a non-negative integer');
    }
    out += `retry: ${event.retry}\n`;
  }
  if (event.data !== undefined) {
    // "data: " with the space: a parser strips exactly one leading space, so data
    // that itself starts with a space survives.
    for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/** A comment line; clients ignore it. Line breaks in the text become separate comments. */
export function encodeComment(text: string): string {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `: ${line}\n`;
  return `${out}\n`;
}

/** The reconnect delay line sent first on every stream. */
export function encodeRetry(ms: number): string {
  return encodeEvent({ retry: ms });
}

/** Keeps proxies and the client's read timeout from closing an idle stream. */
export const HEARTBEAT = ': ping\n\n';
