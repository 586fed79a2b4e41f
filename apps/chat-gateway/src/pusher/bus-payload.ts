/**
 * What a Pusher channel's bus topic carries: one event as triggered (HTTP API) or sent
 * by a client (`client-*`). Every gateway on the bus decodes it, so the socket to leave
 * out (`socket_id` of a trigger, the sender of a client event) travels with it and
 * exclusion works across instances. Short keys: this is stored in history too.
 */
export interface PusherBusEvent {
  readonly event: string;
  /** Relayed as Pusher does: a string (eventData of the triggered value). */
  readonly data: string;
  /** Client events on presence channels: the sender's user id. */
  readonly userId?: string | undefined;
  /** The socket that must not receive it. */
  readonly exclude?: string | undefined;
}

interface Wire {
  e: string;
  d: string;
  u?: string;
  x?: string;
}

export function encodePusherEvent(event: PusherBusEvent): string {
  const wire: Wire = { e: event.event, d: event.data };
  if (event.userId !== undefined) wire.u = event.userId;
  if (event.exclude !== undefined) wire.x = event.exclude;
  return JSON.stringify(wire);
}

/** undefined for anything this module did not write (another publisher on the same topic). */
export function decodePusherEvent(text: string): PusherBusEvent | undefined {
  const wire = parseWireObject(text);
  if (wire === undefined) return undefined;
  const { e, d, u, x } = wire;
  if (typeof e !== 'string' || typeof d !== 'string') return undefined;
  if ((u !== undefined && typeof u !== 'string') || (x !== undefined && typeof x !== 'string')) return undefined;
  return { event: e, data: d, userId: u, exclude: x };
}

/** The JSON object in `text`, or undefined for anything else (the start of every decode of stored text). */
export function parseWireObject(text: string): Record<string, unknown> | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof wire === 'object' && wire !== null ? (wire as Record<string, unknown>) : undefined;
}
