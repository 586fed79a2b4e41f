import type { BusEvent } from '@herald/bus';
import { describe, expect, it } from 'vitest';
import { makeBatch, mergeBatches } from './batch.js';
import { encodeBusEvent } from './frames.js';

const batchOf = (topic: string, ...ids: string[]) => {
  const events: BusEvent[] = ids.map((id) => ({ id, topic, data: `"${topic}${id}"`, ts: 0 }));
  return makeBatch(events, events.map(encodeBusEvent));
};

describe('batches', () => {
  it('join their frames into one Buffer', () => {
    const batch = batchOf('a', '1-0', '2-0');
    expect(batch.bytes.toString()).toBe('id: 1-0\ndata: "a1-0"\n\nid: 2-0\ndata: "a2-0"\n\n');
  });

  it('merge in id order across topics, frames following their events', () => {
    const merged = mergeBatches([batchOf('a', '1-0', '3-0', '10-0'), batchOf('b', '2-0', '4-0')]);
    expect(merged.events.map((e) => e.id)).toEqual(['1-0', '2-0', '3-0', '4-0', '10-0']);
    expect(merged.frames).toEqual(merged.events.map(encodeBusEvent));
    expect(merged.bytes.toString()).toBe(merged.frames.join(''));
  });
});
