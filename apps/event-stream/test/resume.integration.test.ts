import type { Bus, BusEvent, History, Listener, MemoryBus, Subscription } from '@herald/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { SseReader, waitUntil } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(closeAll);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function publishMany(bus: Bus, topic: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push((await bus.publish(topic, JSON.stringify({ i }))).id);
  return ids;
}

/**
 * A MemoryBus whose subscriptions take a while to become ready and whose history
 * reads are slow, so live publishes land in the middle of a resume. `snapshot`
 * says whether history is taken before the pause (events published during it
 * arrive only live) or after (they arrive both ways and must not repeat).
 */
function slowBus(inner: MemoryBus, snapshot: 'before' | 'after'): Bus {
  return {
    kind: inner.kind,
    presence: inner.presence,
    journal: inner.journal,
    publish: (topic, data, options) => inner.publish(topic, data, options),
    subscribe(topic: string, listener: Listener<BusEvent>): Subscription {
      const subscription = inner.subscribe(topic, listener);
      return { ready: sleep(20), unsubscribe: () => subscription.unsubscribe() };
    },
    async history(topic, after, limit): Promise<History> {
      if (snapshot === 'after') await sleep(40);
      const history = await inner.history(topic, after, limit);
      if (snapshot === 'before') await sleep(40);
      return history;
    },
    newestId: () => inner.newestId(),
    historyBefore: (topic, before, limit) => inner.historyBefore(topic, before, limit),
    isReady: () => inner.isReady(),
    onStatus: (listener) => inner.onStatus(listener),
    close: () => inner.close(),
  };
}

describe('resume by Last-Event-ID', () => {
  it('replays what came after the header id, then goes live', async () => {
    server = await startServer();
    const ids = await publishMany(server.bus, 'r', 5);
    const reader = await SseReader.open(`${server.url}/sse?topic=r`, { 'last-event-id': ids[1]! });
    await reader.waitForEvents(3);
    const [live] = await publishMany(server.bus, 'r', 1);
    await reader.waitForEvents(4);
    expect(reader.ids).toEqual([...ids.slice(2), live]);
    reader.close();
  });

  it('takes ?lastEventId= on a first connect, and the header wins over it', async () => {
    server = await startServer();
    const ids = await publishMany(server.bus, 'q', 5);
    const byQuery = await SseReader.open(`${server.url}/sse?topic=q&lastEventId=${ids[2]}`);
    const both = await SseReader.open(`${server.url}/sse?topic=q&lastEventId=${ids[0]}`, { 'last-event-id': ids[3]! });
    await byQuery.waitForEvents(2);
    await both.waitForEvents(1);
    const [live] = await publishMany(server.bus, 'q', 1);
    await both.waitForEvents(2);
    await byQuery.waitForEvents(3);
    expect(byQuery.ids).toEqual([ids[3], ids[4], live]);
    expect(both.ids).toEqual([ids[4], live]);
    byQuery.close();
    both.close();
  });

  it('resumes several topics from one id, in id order', async () => {
    server = await startServer();
    const a1 = await server.bus.publish('a', '"a1"');
    const b1 = await server.bus.publish('b', '"b1"');
    await server.bus.publish('c', '"c1"');
    const a2 = await server.bus.publish('a', '"a2"');
    const b2 = await server.bus.publish('b', '"b2"');
    const reader = await SseReader.open(`${server.url}/sse?topic=a,b`, { 'last-event-id': a1.id });
    await reader.waitForEvents(3);
    await sleep(20);
    expect(reader.ids).toEqual([b1.id, a2.id, b2.id]);
    expect(reader.events.map((e) => JSON.parse(e.data))).toEqual(['b1', 'a2', 'b2']);
    reader.close();
  });

  it.each(['before', 'after'] as const)(
    'sends each id exactly once and in order while publishes race the replay (history snapshot %s the pause)',
    async (snapshot) => {
      // History large enough that the race, not trimming, is what is tested.
      server = await startServer({ HISTORY_SIZE: '100000' }, (bus) => slowBus(bus, snapshot));
      const published = await publishMany(server.bus, 'race', 20);
      const from = published[4]!;
      let running = true;
      const publisher = (async () => {
        while (running) {
          published.push((await server!.bus.publish('race', JSON.stringify(published.length))).id);
          // Paced: every replay page of this slow bus takes 40 ms, and a publisher at full
          // speed would trim the history under it (the stream then says `reset`, rightly).
          await sleep(1);
        }
      })();
      const readers = await Promise.all(
        [0, 1, 2].map(() => SseReader.open(`${server!.url}/sse?topic=race`, { 'last-event-id': from })),
      );
      // Keep publishing well past the replay, then stop and let everything arrive.
      const target = published.length + 50;
      await waitUntil(() => readers.every((r) => r.events.length >= target - 5), { message: 'live events after the replay' });
      running = false;
      await publisher;
      const expected = published.slice(published.indexOf(from) + 1);
      for (const reader of readers) {
        await waitUntil(() => reader.ids.at(-1) === expected.at(-1), { message: 'the last published event' });
        expect(reader.ids).toEqual(expected);
        expect(reader.events.some((e) => e.event === 'reset')).toBe(false);
        reader.close();
      }
    },
  );

  it('does not repeat an event published between the newest-id read and the history read', async () => {
    let sneaked: BusEvent | undefined;
    server = await startServer({}, (inner) => ({
      ...slowBus(inner, 'before'),
      async newestId() {
        // At or below the replay's end, and in the hub's not-yet-flushed batch at once.
        sneaked = await inner.publish('s', '"sneaked"');
        return inner.newestId();
      },
    }));
    const [first] = await publishMany(server.bus, 's', 1);
    const reader = await SseReader.open(`${server.url}/sse?topic=s`, { 'last-event-id': first! });
    await reader.waitForEvents(1);
    const [live] = await publishMany(server.bus, 's', 1);
    await reader.waitForEvents(2);
    expect(reader.ids).toEqual([sneaked!.id, live]);
    reader.close();
  });

  it('sends an event published during a history read once, live (it is past the replay\'s end)', async () => {
    let sneaked: BusEvent | undefined;
    server = await startServer({}, (inner) => ({
      ...slowBus(inner, 'before'),
      async history(topic, after, limit) {
        sneaked ??= await inner.publish(topic, '"sneaked"');
        return inner.history(topic, after, limit);
      },
    }));
    const [first, second] = await publishMany(server.bus, 's', 2);
    const reader = await SseReader.open(`${server.url}/sse?topic=s`, { 'last-event-id': first! });
    await reader.waitForEvents(2);
    const [live] = await publishMany(server.bus, 's', 1);
    await reader.waitForEvents(3);
    expect(reader.ids).toEqual([second, sneaked!.id, live]);
    reader.close();
  });

  it('says `reset` first when history no longer reaches the id, then sends what it has', async () => {
    server = await startServer({ HISTORY_SIZE: '3' });
    const ids = await publishMany(server.bus, 't', 10);
    await server.bus.publish('fine', '"kept"');
    const reader = await SseReader.open(`${server.url}/sse?topic=t,fine`, { 'last-event-id': ids[1]! });
    await reader.waitForEvents(5);
    const [reset, ...rest] = reader.events;
    expect(reset!.event).toBe('reset');
    expect(reset!.id).toBeUndefined();
    expect(JSON.parse(reset!.data)).toEqual({ reason: 'history_trimmed', topics: ['t'], lastEventId: ids[1] });
    expect(rest.map((e) => e.id)).toEqual([...ids.slice(7), rest.at(-1)!.id]);
    expect(JSON.parse(rest.at(-1)!.data)).toBe('kept');
    reader.close();
  });

  it('sends no reset when history covers the id', async () => {
    server = await startServer({ HISTORY_SIZE: '3' });
    const ids = await publishMany(server.bus, 't', 10);
    const reader = await SseReader.open(`${server.url}/sse?topic=t`, { 'last-event-id': ids[7]! });
    await reader.waitForEvents(2);
    await sleep(20);
    expect(reader.events.map((e) => e.event)).toEqual([undefined, undefined]);
    expect(reader.ids).toEqual(ids.slice(8));
    reader.close();
  });
});
