import { compareIds } from '@herald/protocol';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../src/bus.js';
import { RedisBus } from '../src/redis-bus.js';
import { RedisKeys } from '../src/redis-keys.js';
import { deleteKeys, REDIS_TEST_URL, redisAvailable, uniquePrefix, waitUntil } from '@herald/testkit';

const up = await redisAvailable();
const runPrefix = uniquePrefix('bus-topics');
let namespaces = 0;
const opened: RedisBus[] = [];
const admin = up ? new Redis(REDIS_TEST_URL) : undefined;

async function openBus(keyPrefix: string, topicTtlMs?: number): Promise<RedisBus> {
  const bus = new RedisBus({ url: REDIS_TEST_URL, historySize: 1000, keyPrefix, ...(topicTtlMs ? { topicTtlMs } : {}) });
  opened.push(bus);
  if (!(await bus.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
  return bus;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  admin?.disconnect();
  if (up) await deleteKeys(runPrefix);
});

describe.skipIf(!up)('RedisBus topics', () => {
  it('a topic idle past topicTtlMs is gone from Redis; a subscribed one keeps its key', async () => {
    const prefix = `${runPrefix}${namespaces++}:`;
    const keys = new RedisKeys(prefix);
    const bus = await openBus(prefix, 1000);
    await bus.publish('idle', '1');
    const sub = bus.subscribe('kept', () => {});
    await sub.ready;
    await bus.publish('kept', '1');
    expect(await admin!.pttl(keys.topic('idle'))).toBeGreaterThan(0);
    await sleep(2500);
    expect(await admin!.exists(keys.topic('idle'))).toBe(0);
    expect(await admin!.exists(keys.topic('kept'))).toBe(1);
    sub.unsubscribe();
    await sleep(1500);
    expect(await admin!.exists(keys.topic('kept'))).toBe(0);
  });

  it('topics that come into existence while subscribed are read from their first event, in one global order', async () => {
    const prefix = `${runPrefix}${namespaces++}:`;
    const [a, b] = await Promise.all([openBus(prefix), openBus(prefix)]);
    await a.publish('born.0', '"exists"');
    const seen: BusEvent[] = [];
    const subs = Array.from({ length: 30 }, (_, i) => b.subscribe(`born.${i}`, (e) => seen.push(e)));
    await Promise.all(subs.map((s) => s.ready));
    // Concurrent publishes from both instances; 29 of the 30 streams are created by them.
    const acked = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).publish(`born.${(i * 7) % 30}`, String(i))),
    );
    await waitUntil(() => seen.length >= 300, { timeoutMs: 10_000, message: 'all 300 events' });
    await sleep(50);
    expect(seen.map((e) => e.id)).toEqual(acked.map((e) => e.id).sort(compareIds));
    for (const s of subs) s.unsubscribe();
  });

  it('takes in a stream created without an announcement (an older publisher) on its next refresh', async () => {
    const prefix = `${runPrefix}${namespaces++}:`;
    const keys = new RedisKeys(prefix);
    const bus = await openBus(prefix, 400);
    const got: BusEvent[] = [];
    const sub = bus.subscribe('legacy', (e) => got.push(e));
    await sub.ready;
    await sleep(5);
    const id = await admin!.xadd(keys.topic('legacy'), '*', 'd', '"unannounced"', 'ts', '0');
    await waitUntil(() => got.length >= 1, { timeoutMs: 10_000, message: 'the unannounced event' });
    expect(got.map((e) => [e.id, e.data])).toEqual([[id, '"unannounced"']]);
    sub.unsubscribe();
  });

  it('a topic deleted and created again while subscribed is still delivered', async () => {
    const prefix = `${runPrefix}${namespaces++}:`;
    const keys = new RedisKeys(prefix);
    const bus = await openBus(prefix);
    const got: BusEvent[] = [];
    const sub = bus.subscribe('again', (e) => got.push(e));
    await sub.ready;
    const first = await bus.publish('again', '1');
    await waitUntil(() => got.length >= 1, { timeoutMs: 10_000, message: 'the first event' });
    await admin!.del(keys.topic('again'));
    const second = await bus.publish('again', '2');
    await waitUntil(() => got.length >= 2, { timeoutMs: 10_000, message: 'the event after re-creation' });
    expect(got.map((e) => e.id)).toEqual([first.id, second.id]);
    sub.unsubscribe();
  });
});
