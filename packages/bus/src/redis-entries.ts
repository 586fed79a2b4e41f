import { compareIds, isId } from '@herald/protocol';
import type { BusEvent } from './bus.js';

/** A stream entry as ioredis returns it: id and flat field/value list. */
export type RawEntry = [id: string, fields: string[]];

/** A stored entry as a BusEvent; undefined for an entry the bus did not write. */
export function toBusEvent(topic: string, [id, fields]: RawEntry): BusEvent | undefined {
  let data: string | undefined;
  let event: string | undefined;
  let ts = 0;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 'd':
        data = value;
        break;
      case 'e':
        event = value;
        break;
      case 'ts':
        ts = Number(value) || 0;
        break;
    }
  }
  if (data === undefined || !isId(id)) return undefined;
  return event === undefined ? { id, topic, data, ts } : { id, topic, data, event, ts };
}

export function toBusEvents(topic: string, entries: RawEntry[]): BusEvent[] {
  const events: BusEvent[] = [];
  for (const entry of entries) {
    const event = toBusEvent(topic, entry);
    if (event) events.push(event);
  }
  return events;
}

/** The value of `field` in an XINFO STREAM reply (a flat key/value list). */
export function xinfoField(reply: unknown, field: string): unknown {
  if (!Array.isArray(reply)) return undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    if (reply[i] === field) return reply[i + 1];
  }
  return undefined;
}

export const byId = (a: BusEvent, b: BusEvent): number => compareIds(a.id, b.id);
