import { compareIds } from '@herald/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent, BusOptions } from '../src/bus.js';
import { RedisBus } from '../src/redis-bus.js';
import { BusUnavailableError } from '../src/redis-errors.js';
import { deleteKeys, freePort, REDIS_TEST_URL, redisAvailable, uniquePrefix, waitUntil } from '@herald/testkit';
import { describeBusContract } from './bus-contract.js';

const up = await redisAvailable();
const runPrefix = uniquePrefix('bus');
let namespaces = 0;
const opened: RedisBus[] = [];

async function openBus(options: Partial<BusOptions> & { keyPrefix?: string } = {}): Promise<RedisBus> {
  const bus = new RedisBus({
    url: REDIS_TEST_URL,
    ...options,
    historySize: options.historySize ?? 1000,
    keyPrefix: options.keyPrefix ?? `${runPrefix}${namespaces++}:`,
  });
  opened.push(bus);
  if (!(await bus.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
  return bus;
}

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  if (up) await deleteKeys(runPrefix);
});

describe.skipIf(!up)('RedisBus', () => {
  // Every bus of the contract suite gets its own key namespace.
  describeBusContract('RedisBus', { create: (options) => openBus(options) });

  it('closes promptly right after becoming ready (the reader loop never waits again once closed)', async () => {
    for (let i = 0; i < 15; i++) {
      const bus = await openBus();
      const outcome = await Promise.race([
        bus.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 3000)),
      ]);
      expect(outcome).toBe('closed');
    }
  });

  describe('two instances on one prefix', () => {
    it('share history and deliver every event, in one order, with the same ids', async () => {
      const prefix = `${runPrefix}pair:`;
      const [a, b] = await Promise.all([openBus({ keyPrefix: prefix }), openBus({ keyPrefix: prefix })]);
      const seenA: BusEvent[] = [];
      const seenB: BusEvent[] = [];
      const subs = [
        a.subscribe('p.one', (e) => seenA.push(e)),
        a.subscribe('p.two', (e) => seenA.push(e)),
        b.subscribe('p.one', (e) => seenB.push(e)),
        b.subscribe('p.two', (e) => seenB.push(e)),
      ];
      await Promise.all(subs.map((s) => s.ready));

      // Both instances publish at once, over two topics.
      const publishes: Array<Promise<BusEvent>> = [];
      for (let i = 0; i < 60; i++) {
        const bus = i % 2 === 0 ? a : b;
        publishes.push(bus.publish(i % 3 === 0 ? 'p.two' : 'p.one', JSON.stringify(i)));
      }
      const acked = await Promise.all(publishes);
      await waitUntil(() => seenA.length >= 60 && seenB.length >= 60, { timeoutMs: 10_000, message: 'delivery on both' });

      const ids = acked.map((e) => e.id);
      expect(new Set(ids).size).toBe(60);
      const sorted = [...ids].sort(compareIds);
      // One global order: both instances deliver exactly it, across both topics.
      expect(seenA.map((e) => e.id)).toEqual(sorted);
      expect(seenB.map((e) => e.id)).toEqual(sorted);
      expect(seenB.map((e) => e.data)).toEqual(seenA.map((e) => e.data));

      const histA = await a.history('p.one', '0-0');
      const histB = await b.history('p.one', '0-0');
      expect(histA.events.map((e) => e.id)).toEqual(acked.filter((e) => e.topic === 'p.one').map((e) => e.id).sort(compareIds));
      expect(histB).toEqual(histA);
      for (const s of subs) s.unsubscribe();
    });

    it('a subscriber added later on another instance gets what is published after ready', async () => {
      const prefix = `${runPrefix}late:`;
      const [a, b] = await Promise.all([openBus({ keyPrefix: prefix }), openBus({ keyPrefix: prefix })]);
      await a.publish('late', '"before"');
      const got: BusEvent[] = [];
      const sub = b.subscribe('late', (e) => got.push(e));
      await sub.ready;
      const after = await a.publish('late', '"after"');
      await waitUntil(() => got.length >= 1, { timeoutMs: 10_000, message: 'the event published after ready' });
      expect(got.map((e) => e.id)).toEqual([after.id]);
      sub.unsubscribe();
    });
  });

  describe('subscriptions', () => {
    it('drops a topic from the read when its last listener leaves, and can take it back', async () => {
      const bus = await openBus();
      const first: BusEvent[] = [];
      const s1 = bus.subscribe('again', (e) => first.push(e));
      const s2 = bus.subscribe('again', () => {});
      await Promise.all([s1.ready, s2.ready]);
      expect(bus.stats()).toEqual({ topics: 1, listeners: 2 });
      s1.unsubscribe();
      s2.unsubscribe();
      expect(bus.stats()).toEqual({ topics: 0, listeners: 0 });
      await bus.publish('again', '"missed"');
      const second: BusEvent[] = [];
      const s3 = bus.subscribe('again', (e) => second.push(e));
      await s3.ready;
      const e = await bus.publish('again', '"seen"');
      await waitUntil(() => second.length >= 1, { timeoutMs: 10_000, message: 'delivery after resubscribe' });
      expect(second.map((x) => x.id)).toEqual([e.id]);
      expect(first).toEqual([]);
      s3.unsubscribe();
    });

    it('serves many topics at once from one reader', async () => {
      const bus = await openBus();
      const got = new Map<string, string[]>();
      const subs = Array.from({ length: 40 }, (_, i) =>
        bus.subscribe(`many.${i}`, (e) => got.set(e.topic, [...(got.get(e.topic) ?? []), e.data])),
      );
      await Promise.all(subs.map((s) => s.ready));
      await Promise.all(Array.from({ length: 40 }, (_, i) => bus.publish(`many.${i}`, String(i))));
      await waitUntil(() => got.size === 40, { timeoutMs: 10_000, message: 'all 40 topics' });
      expect(got.get('many.7')).toEqual(['7']);
      for (const s of subs) s.unsubscribe();
    });
  });

  describe('history', () => {
    it('reads a backlog larger than one read slice in order', async () => {
      const bus = await openBus({ historySize: 2000 });
      const ids: string[] = [];
      for (let batch = 0; batch < 12; batch++) {
        const events = await Promise.all(Array.from({ length: 100 }, (_, i) => bus.publish('big', String(batch * 100 + i))));
        ids.push(...events.map((e) => e.id));
      }
      const h = await bus.history('big', '0-0', 5000);
      expect(h.covered).toBe(true);
      expect(h.events.map((e) => e.id)).toEqual([...ids].sort(compareIds));
      const limited = await bus.history('big', ids[0], 10);
      expect(limited.events).toHaveLength(10);
    });

    it('refuses an id that is not one, with a clear error', async () => {
      const bus = await openBus();
      await expect(bus.history('t', 'nope')).rejects.toThrow(/not a message id: nope/);
    });
  });

  describe('when Redis is away', () => {
    it('is not ready and rejects publish at once with BusUnavailableError', async () => {
      const port = await freePort();
      const warnings: string[] = [];
      const bus = new RedisBus({
        url: `redis://:secret@127.0.0.1:${port}`,
        historySize: 10,
        logger: { info() {}, warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`), error() {} },
      });
      opened.push(bus);
      expect(await bus.waitUntilReady(300)).toBe(false);
      expect(bus.isReady()).toBe(false);
      await expect(bus.publish('t', '1')).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(bus.history('t')).rejects.toThrow(/not connected/);
      await waitUntil(() => warnings.length > 0, { timeoutMs: 10_000, message: 'a warning' });
      expect(warnings[0]).toMatch(/unreachable/);
      expect(warnings.join('\n')).not.toContain('secret');
      await bus.close();
    });

    it('checks its options before connecting', () => {
      expect(() => new RedisBus({ url: 'http://x', historySize: 1 })).toThrow(/redis:\/\//);
      expect(() => new RedisBus({ url: REDIS_TEST_URL, historySize: 0 })).toThrow(/historySize/);
      expect(() => new RedisBus({ url: REDIS_TEST_URL, historySize: 1, presenceTtlMs: 5 })).toThrow(/presenceTtlMs/);
    });
  });
});
