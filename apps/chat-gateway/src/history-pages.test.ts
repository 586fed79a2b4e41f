import { MemoryBus } from '@herald/bus';
import { chatTopic, encodeChatPayload, replayPageEvents } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { readAfter, readBefore } from './history-pages.js';

const topic = chatTopic('r');
const author = { id: 'a', name: 'a' };

async function room(texts: string[]) {
  const bus = new MemoryBus({ historySize: 1000 });
  const ids: string[] = [];
  for (const text of texts) ids.push((await bus.publish(topic, encodeChatPayload('r', author, text, 1))).id);
  return { bus, ids };
}

const idsOf = (texts: string[]) => texts.map((t) => (JSON.parse(t) as { id: string }).id);
const limits = (maxBytes: number, maxCount = Infinity) => ({ maxBytes, maxCount, pageEvents: 3 });

describe('history pages', () => {
  it('reads after an id up to upTo, cut by bytes with more:true', async () => {
    const { bus, ids } = await room(Array.from({ length: 10 }, (_, i) => `m${i}`.padEnd(100, '.')));
    const all = await readAfter(bus, 'r', topic, ids[0]!, limits(1 << 20), ids[7]);
    expect(idsOf(all.texts)).toEqual(ids.slice(1, 8));
    expect(all).toMatchObject({ more: false, covered: true });
    const cut = await readAfter(bus, 'r', topic, ids[0]!, limits(400), ids[9]);
    expect(idsOf(cut.texts)).toEqual(ids.slice(1, 1 + cut.texts.length));
    expect(cut.texts.length).toBeGreaterThan(1);
    expect(cut.texts.length).toBeLessThan(5);
    expect(cut.more).toBe(true);
  });

  it('reads the newest before an id (or of all), in id order, cut by count', async () => {
    const { bus, ids } = await room(['a', 'b', 'c', 'd', 'e']);
    const newest = await readBefore(bus, 'r', topic, undefined, limits(1 << 20, 2));
    expect(idsOf(newest.texts)).toEqual(ids.slice(3));
    expect(newest).toMatchObject({ more: true, newest: ids[4] });
    const older = await readBefore(bus, 'r', topic, ids[3], limits(1 << 20, 10));
    expect(idsOf(older.texts)).toEqual(ids.slice(0, 3));
    expect(older.more).toBe(false);
  });

  it('holds one message even when it alone is over the byte budget, and skips events that are not chat messages', async () => {
    const { bus, ids } = await room(['x'.repeat(5000), 'y']);
    await bus.publish(topic, '{"not":"a chat message"}');
    const one = await readAfter(bus, 'r', topic, '0-0', limits(1024), await bus.newestId());
    expect(idsOf(one.texts)).toEqual([ids[0]]);
    expect(one.more).toBe(true);
    const rest = await readAfter(bus, 'r', topic, ids[0]!, limits(1024), await bus.newestId());
    expect(idsOf(rest.texts)).toEqual([ids[1]]);
    expect(rest.more).toBe(false);
  });

  it('says covered:false when history no longer reaches the id', async () => {
    const bus = new MemoryBus({ historySize: 2 });
    const ids: string[] = [];
    for (const t of ['a', 'b', 'c']) ids.push((await bus.publish(topic, encodeChatPayload('r', author, t, 1))).id);
    const reply = await readAfter(bus, 'r', topic, '0-0', limits(1 << 20), ids[2]);
    expect(reply.covered).toBe(false);
    expect(idsOf(reply.texts)).toEqual(ids.slice(1));
  });

  it('sizes forward pages like the event stream: the largest messages that fit, 1 to 512', () => {
    expect(replayPageEvents(1_048_576, 65_536)).toBe(16);
    expect(replayPageEvents(1024, 65_536)).toBe(1);
    expect(replayPageEvents(1 << 30, 16)).toBe(512);
  });
});
