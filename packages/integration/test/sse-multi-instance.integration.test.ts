import { redisTargets, servicesOn } from './on-redis.js';
import { compareIds } from '@herald/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishEvent, Service, SseReader, uniquePrefix, waitUntil } from '@herald/testkit';

async function publishAll(base: string, topic: string, values: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (const value of values) {
    const id = await publishEvent(base, topic, value);
    if (id === undefined) throw new Error(`publish to ${topic} refused`);
    ids.push(id);
  }
  return ids;
}

// The same suite on the shared Redis and on a 3-master cluster of its own.
for (const redis of await redisTargets()) describe.skipIf(!redis.available)(`two event-stream instances on ${redis.name}`, () => {
  const { services } = servicesOn(redis, ['event-stream', 'event-stream'], uniquePrefix('sse'));
  let a: Service;
  let b: Service;
  beforeAll(() => void ([a, b] = services as [Service, Service]));

  it('a client resumes on B with the Last-Event-ID it had on A and gets exactly the missed events', async () => {
    const first = await SseReader.resume(`${a.http}/sse?topic=news&topic=sport`);
    expect(first.status).toBe(200);
    const before = [
      ...(await publishAll(a.http, 'news', [{ n: 1 }, { n: 2 }])),
      ...(await publishAll(b.http, 'sport', [{ s: 1 }])),
    ];
    await waitUntil(() => first.events.length >= 3, { timeoutMs: 20_000, message: 'three events on A' });
    expect(first.events.map((e) => e.id)).toEqual(before);
    const lastSeen = first.lastEventId!;
    first.close();

    // Missed while away, published through both instances, on both topics.
    const missed = [
      ...(await publishAll(b.http, 'news', [{ n: 3 }])),
      ...(await publishAll(a.http, 'sport', [{ s: 2 }])),
      ...(await publishAll(b.http, 'news', [{ n: 4 }])),
    ];
    await publishAll(a.http, 'weather', [{ w: 1 }]);

    const resumed = await SseReader.resume(`${b.http}/sse?topic=news&topic=sport`, lastSeen);
    expect(resumed.status).toBe(200);
    await waitUntil(() => resumed.events.length >= 3, { timeoutMs: 20_000, message: 'the replay on B' });
    // Then live, published on A.
    const live = await publishAll(a.http, 'sport', [{ s: 3 }]);
    await waitUntil(() => resumed.events.length >= 4, { timeoutMs: 20_000, message: 'the live event on B' });
    expect(resumed.events.map((e) => e.id)).toEqual([...missed, ...live]);
    expect([...missed, ...live].sort(compareIds)).toEqual([...missed, ...live]);
    expect(resumed.events.map((e) => JSON.parse(e.data))).toEqual([{ n: 3 }, { s: 2 }, { n: 4 }, { s: 3 }]);
    resumed.close();
  });

  it('subscribers on both instances see the same events with the same ids', async () => {
    const onA = await SseReader.resume(`${a.http}/sse?topic=both`);
    const onB = await SseReader.resume(`${b.http}/sse?topic=both`);
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => publishEvent(i % 2 === 0 ? a.http : b.http, 'both', { i })),
    );
    expect(ids.every((id) => id !== undefined)).toBe(true);
    await waitUntil(() => onA.events.length >= 20 && onB.events.length >= 20, { timeoutMs: 20_000, message: '20 events on both' });
    const order = (ids as string[]).sort(compareIds);
    expect(onA.events.map((e) => e.id)).toEqual(order);
    expect(onB.events.map((e) => e.id)).toEqual(order);
    onA.close();
    onB.close();
  });
});
