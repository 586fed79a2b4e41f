import { compareIds } from '@herald/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusEvent, BusOptions } from '../src/bus.js';
import { TopicLimitError } from '../src/topic-limits.js';
import { sleep, waitFor } from './contract-helpers.js';
import { describePresenceContract } from './presence-contract.js';

export interface ContractContext {
  /** A fresh bus with its own namespace, built with these options. */
  create(options: BusOptions): Promise<Bus>;
}

/**
 * The behaviour every Bus implementation must have. Run it against each one:
 * `describeBusContract('MemoryBus', ctx)`, `describeBusContract('RedisBus', ctx)`.
 */
export function describeBusContract(name: string, ctx: ContractContext): void {
  describe(`${name} (bus contract)`, () => {
    const opened: Bus[] = [];
    const make = async (historySize = 100, limits: Omit<BusOptions, 'historySize'> = {}) => {
      const bus = await ctx.create({ historySize, ...limits });
      opened.push(bus);
      return bus;
    };
    let bus: Bus;

    beforeEach(async () => {
      bus = await make();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    it('is ready once created', () => {
      expect(bus.isReady()).toBe(true);
    });

    it('publish returns increasing ids across topics', async () => {
      const a = await bus.publish('t.a', '"1"');
      const b = await bus.publish('t.b', '"2"');
      const c = await bus.publish('t.a', '"3"');
      expect(compareIds(a.id, b.id)).toBeLessThan(0);
      expect(compareIds(b.id, c.id)).toBeLessThan(0);
      expect(a).toMatchObject({ topic: 't.a', data: '"1"' });
      expect(typeof a.ts).toBe('number');
    });

    it('delivers to subscribers of the topic only, in order, with the published ids', async () => {
      const got: BusEvent[] = [];
      const other: BusEvent[] = [];
      const sub = bus.subscribe('room', (e) => got.push(e));
      const sub2 = bus.subscribe('elsewhere', (e) => other.push(e));
      await Promise.all([sub.ready, sub2.ready]);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await bus.publish('room', JSON.stringify(i))).id);
      await waitFor(got, 20);
      expect(got.map((e) => e.id)).toEqual(ids);
      expect(got.map((e) => e.data)).toEqual(ids.map((_, i) => JSON.stringify(i)));
      expect(other).toEqual([]);
      sub.unsubscribe();
      sub2.unsubscribe();
    });

    it('keeps the event name', async () => {
      const got: BusEvent[] = [];
      const sub = bus.subscribe('named', (e) => got.push(e));
      await sub.ready;
      await bus.publish('named', '{}', { event: 'update' });
      await waitFor(got, 1);
      expect(got[0]?.event).toBe('update');
      const h = await bus.history('named');
      expect(h.events[0]?.event).toBe('update');
      sub.unsubscribe();
    });

    it('delivers to every subscriber and stops after unsubscribe', async () => {
      const one: BusEvent[] = [];
      const two: BusEvent[] = [];
      const s1 = bus.subscribe('fan', (e) => one.push(e));
      const s2 = bus.subscribe('fan', (e) => two.push(e));
      await Promise.all([s1.ready, s2.ready]);
      await bus.publish('fan', '1');
      await waitFor(two, 1);
      await waitFor(one, 1);
      s1.unsubscribe();
      await bus.publish('fan', '2');
      await waitFor(two, 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(one.map((e) => e.data)).toEqual(['1']);
      expect(two.map((e) => e.data)).toEqual(['1', '2']);
      s2.unsubscribe();
    });

    it('a throwing listener does not stop delivery to the others', async () => {
      const got: BusEvent[] = [];
      const bad = bus.subscribe('iso', () => {
        throw new Error('listener bug');
      });
      const good = bus.subscribe('iso', (e) => got.push(e));
      await Promise.all([bad.ready, good.ready]);
      await bus.publish('iso', '1');
      await bus.publish('iso', '2');
      await waitFor(got, 2);
      expect(got.map((e) => e.data)).toEqual(['1', '2']);
      bad.unsubscribe();
      good.unsubscribe();
    });

    it('history returns events after an id, exactly, and the newest without one', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await bus.publish('h', String(i))).id);
      await bus.publish('other', 'x');
      const after = await bus.history('h', ids[4]);
      expect(after.covered).toBe(true);
      expect(after.events.map((e) => e.id)).toEqual(ids.slice(5));
      const latest = await bus.history('h', undefined, 3);
      expect(latest.events.map((e) => e.data)).toEqual(['7', '8', '9']);
      const none = await bus.history('h', ids[9]);
      expect(none).toEqual({ events: [], covered: true });
      const unknownTopic = await bus.history('never', ids[0]);
      expect(unknownTopic).toEqual({ events: [], covered: true });
    });

    it('newestId is the newest id issued on any topic', async () => {
      expect(await bus.newestId()).toBeUndefined();
      await bus.publish('n.a', '1');
      const b = await bus.publish('n.b', '2');
      expect(await bus.newestId()).toBe(b.id);
    });

    it('a missing topic covers a recent id, not one older than the topic TTL (it may have expired)', async () => {
      const b = await make(100, { topicTtlMs: 60_000 });
      const recent = await b.publish('m.other', '1');
      expect(await b.history('m.never', recent.id)).toEqual({ events: [], covered: true });
      const old = `${Date.now() - 120_000}-0`;
      expect(await b.history('m.never', old)).toEqual({ events: [], covered: false });
      // An existing topic still answers from its own trim state.
      expect((await b.history('m.other', old)).covered).toBe(true);
    });

    it('history after an id taken from another topic is exact (one id space)', async () => {
      const a1 = await bus.publish('x.a', 'a1');
      const b1 = await bus.publish('x.b', 'b1');
      const a2 = await bus.publish('x.a', 'a2');
      const fromB = await bus.history('x.a', b1.id);
      expect(fromB.events.map((e) => e.id)).toEqual([a2.id]);
      const fromA = await bus.history('x.b', a1.id);
      expect(fromA.events.map((e) => e.id)).toEqual([b1.id]);
    });

    it('historyBefore pages back: the newest events older than an id, oldest first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await bus.publish('back', String(i))).id);
      const other = await bus.publish('back.other', 'x');
      expect((await bus.historyBefore('back', ids[7]!, 3)).map((e) => e.data)).toEqual(['4', '5', '6']);
      expect((await bus.historyBefore('back', ids[2]!, 5)).map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect(await bus.historyBefore('back', ids[0]!, 5)).toEqual([]);
      // An id of another topic is a position too: everything of this topic before it.
      expect((await bus.historyBefore('back', other.id, 2)).map((e) => e.data)).toEqual(['8', '9']);
      expect(await bus.historyBefore('back', ids[5]!, 0)).toEqual([]);
      expect(await bus.historyBefore('never', ids[5]!, 5)).toEqual([]);
      const page = await bus.historyBefore('back', ids[9]!, 1);
      expect(page).toEqual([expect.objectContaining({ id: ids[8], topic: 'back', data: '8' })]);
    });

    it('history is bounded by historySize and says when an id is no longer covered', async () => {
      const small = await make(5);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await small.publish('trim', String(i))).id);
      const all = await small.history('trim', '0-0');
      expect(all.covered).toBe(false);
      // Approximate trimming (Redis MAXLEN ~) may keep a few more; never fewer.
      expect(all.events.length).toBeGreaterThanOrEqual(5);
      expect(all.events.at(-1)?.id).toBe(ids[11]);
      const recent = await small.history('trim', ids[9]);
      expect(recent.covered).toBe(true);
      expect(recent.events.map((e) => e.id)).toEqual(ids.slice(10));
      const newest = await small.history('trim', undefined, 100);
      expect(newest.events.at(-1)?.id).toBe(ids[11]);
    });

    it('live events published while history is read are not lost (subscribe, then read)', async () => {
      const first = await bus.publish('race', 'before');
      const live: BusEvent[] = [];
      const sub = bus.subscribe('race', (e) => live.push(e));
      await sub.ready;
      const publishing = Promise.all([bus.publish('race', 'r1'), bus.publish('race', 'r2')]);
      const h = await bus.history('race', first.id);
      await publishing;
      await waitFor(live, 2);
      const seen = new Map<string, string>();
      for (const e of [...h.events, ...live]) seen.set(e.id, e.data);
      expect([...seen.values()].sort()).toEqual(['r1', 'r2']);
      sub.unsubscribe();
    });

    describe('topic limits', () => {
      const TTL = 1000;

      it('forgets a topic idle for topicTtlMs, never one that has a subscriber', async () => {
        const b = await make(100, { topicTtlMs: TTL });
        const idle = await b.publish('ttl.idle', '"idle"');
        const before = `${idle.ts - 1}-0`;
        const kept = b.subscribe('ttl.kept', () => {});
        await kept.ready;
        await b.publish('ttl.kept', '"kept"');
        // Well past the TTL, with the subscriber there the whole time.
        await sleep(2.5 * TTL);
        expect(await b.history('ttl.idle')).toEqual({ events: [], covered: true });
        // A resume from before the forgotten event is told it missed something.
        expect(await b.history('ttl.idle', before)).toEqual({ events: [], covered: false });
        expect((await b.history('ttl.kept')).events.map((e) => e.data)).toEqual(['"kept"']);
        // The TTL counts from the last subscriber gone.
        kept.unsubscribe();
        await sleep(TTL / 2);
        expect((await b.history('ttl.kept')).events.map((e) => e.data)).toEqual(['"kept"']);
        await sleep(TTL);
        expect((await b.history('ttl.kept')).events).toEqual([]);
      });

      it('a publish restarts the TTL, and a forgotten topic can be used again', async () => {
        const b = await make(100, { topicTtlMs: TTL });
        await b.publish('ttl.busy', '1');
        await sleep(TTL / 2);
        const second = await b.publish('ttl.busy', '2');
        await sleep(0.7 * TTL);
        expect((await b.history('ttl.busy')).events.map((e) => e.data)).toEqual(['1', '2']);
        await sleep(TTL);
        expect((await b.history('ttl.busy')).events).toEqual([]);
        const got: BusEvent[] = [];
        const sub = b.subscribe('ttl.busy', (e) => got.push(e));
        await sub.ready;
        const third = await b.publish('ttl.busy', '3');
        await waitFor(got, 1);
        expect(got.map((e) => e.id)).toEqual([third.id]);
        expect(compareIds(third.id, second.id)).toBeGreaterThan(0);
        expect((await b.history('ttl.busy', second.id)).events.map((e) => e.data)).toEqual(['3']);
        sub.unsubscribe();
      });

      it('refuses one distinct topic past maxTopics with TopicLimitError, until one is left', async () => {
        const b = await make(100, { maxTopics: 3 });
        const subs = ['cap.a', 'cap.b', 'cap.c'].map((t) => b.subscribe(t, () => {}));
        // Another listener on a topic already held is no new topic.
        subs.push(b.subscribe('cap.a', () => {}));
        await Promise.all(subs.map((s) => s.ready));
        const refused = (() => {
          try {
            b.subscribe('cap.d', () => {});
          } catch (err) {
            return err;
          }
          return undefined;
        })();
        expect(refused).toBeInstanceOf(TopicLimitError);
        expect(refused).toMatchObject({ code: 'TOPIC_LIMIT', maxTopics: 3 });
        expect(String(refused)).toMatch(/MAX_TOPICS/);
        subs[1]!.unsubscribe();
        const got: BusEvent[] = [];
        const d = b.subscribe('cap.d', (e) => got.push(e));
        await d.ready;
        const e = await b.publish('cap.d', '"d"');
        await waitFor(got, 1);
        expect(got.map((x) => x.id)).toEqual([e.id]);
        for (const s of [...subs, d]) s.unsubscribe();
      });
    });

    describePresenceContract(() => bus);
  });
}
