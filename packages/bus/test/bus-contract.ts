import { compareIds } from '@herald/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusEvent, BusOptions, PresenceChange } from '../src/bus.js';
import type { JournalEntry } from '../src/journal.js';
import { TopicLimitError } from '../src/topic-limits.js';

export interface ContractContext {
  /** A fresh bus with its own namespace, built with these options. */
  create(options: BusOptions): Promise<Bus>;
}

/** An entry without its id, as the tests compare them. */
const record = ({ id: _id, ...rest }: JournalEntry) => rest;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function waitFor<T>(items: T[], count: number, timeoutMs = 3000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (items.length >= count) return resolve(items);
      if (Date.now() - started > timeoutMs) {
        return reject(new Error(`timed out with ${items.length}/${count} items`));
      }
      setTimeout(check, 5);
    };
    check();
  });
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

    describe('presence', () => {
      it('tracks members per connection and announces joins and leaves', async () => {
        const changes: PresenceChange[] = [];
        const sub = bus.presence.subscribe('p-room', (c) => changes.push(c));
        await sub.ready;
        await bus.presence.join('p-room', 'c1', { id: 'u1', name: 'alice' });
        await bus.presence.join('p-room', 'c2', { id: 'u2', name: 'bob' });
        await bus.presence.join('p-room', 'c2', { id: 'u2', name: 'bob' });
        await bus.presence.join('p-other', 'c3', { id: 'u3', name: 'carol' });
        const members = await bus.presence.members('p-room');
        expect(members.map((m) => m.connectionId).sort()).toEqual(['c1', 'c2']);
        expect(members.find((m) => m.connectionId === 'c1')?.user).toEqual({ id: 'u1', name: 'alice' });
        await bus.presence.leave('p-room', 'c1');
        await bus.presence.leave('p-room', 'c1');
        await bus.presence.leave('p-room', 'nobody');
        await waitFor(changes, 3);
        await new Promise((r) => setTimeout(r, 50));
        expect(changes.map((c) => [c.event, c.connectionId])).toEqual([
          ['join', 'c1'],
          ['join', 'c2'],
          ['leave', 'c1'],
        ]);
        expect(changes[2]?.user).toEqual({ id: 'u1', name: 'alice' });
        expect((await bus.presence.members('p-room')).map((m) => m.connectionId)).toEqual(['c2']);
        expect(await bus.presence.members('empty-room')).toEqual([]);
        sub.unsubscribe();
      });

      it('rooms(prefix) lists occupied rooms under a prefix, each once, until their last member leaves', async () => {
        await bus.presence.join('pr.a', 'c1', { id: 'u1', name: 'alice' });
        await bus.presence.join('pr.a', 'c2', { id: 'u2', name: 'bob' });
        await bus.presence.join('pr.b', 'c1', { id: 'u1', name: 'alice' });
        await bus.presence.join('other.c', 'c3', { id: 'u3', name: 'carol' });
        expect((await bus.presence.rooms('pr.')).sort()).toEqual(['pr.a', 'pr.b']);
        expect((await bus.presence.rooms('')).sort()).toEqual(['other.c', 'pr.a', 'pr.b']);
        expect(await bus.presence.rooms('pr.a')).toEqual(['pr.a']);
        expect(await bus.presence.rooms('nothing.')).toEqual([]);
        await bus.presence.leave('pr.a', 'c1');
        expect((await bus.presence.rooms('pr.')).sort()).toEqual(['pr.a', 'pr.b']);
        await bus.presence.leave('pr.a', 'c2');
        expect(await bus.presence.rooms('pr.')).toEqual(['pr.b']);
      });

      it('rooms(prefix) takes the prefix literally: pattern characters match only themselves', async () => {
        for (const room of ['g*x.1', 'gyx.2', 'g?.3', 'ga.4', 'g[a].5', 'ga.6', 'g\\b.7', 'gb.8']) {
          await bus.presence.join(room, 'c1', { id: 'u1', name: 'alice' });
        }
        expect(await bus.presence.rooms('g*')).toEqual(['g*x.1']);
        expect(await bus.presence.rooms('g?')).toEqual(['g?.3']);
        expect(await bus.presence.rooms('g[a]')).toEqual(['g[a].5']);
        expect(await bus.presence.rooms('g\\')).toEqual(['g\\b.7']);
      });

      it('rooms(prefix) lists many rooms completely (more than one page of a scan)', async () => {
        const names = Array.from({ length: 1200 }, (_, i) => `many.${i}`);
        await Promise.all(names.map((room, i) => bus.presence.join(room, `c${i}`, { id: `u${i}`, name: 'x' })));
        await bus.presence.join('few.1', 'c1', { id: 'u1', name: 'x' });
        const rooms = await bus.presence.rooms('many.');
        expect(rooms.length).toBe(names.length);
        expect([...rooms].sort()).toEqual([...names].sort());
      });
    });

    describe('journal', () => {
      const u = (id: string) => ({ id, name: id });

      it("records each room's first connection and last one gone, and each user's, in order", async () => {
        const from = await bus.journal.cursor('test');
        const p = bus.presence;
        await p.join('j-room', 'c1', u('u1'), { occupancy: 'users' });
        await p.join('j-room', 'c2', u('u1'), { occupancy: 'users' });
        await p.join('j-room', 'c2', u('u1'), { occupancy: 'users' });
        await p.join('j-room', 'c3', u('u2'), { occupancy: 'users' });
        await p.leave('j-room', 'c1');
        await p.leave('j-room', 'c1');
        await p.leave('j-room', 'c2');
        await p.leave('j-room', 'c3');
        await p.join('j-room', 'c4', u('u1'), { occupancy: 'users' });
        const entries = await bus.journal.read(from, 100);
        expect(entries.map(record)).toEqual([
          { kind: 'occupied', room: 'j-room' },
          { kind: 'user-joined', room: 'j-room', userId: 'u1' },
          { kind: 'user-joined', room: 'j-room', userId: 'u2' },
          { kind: 'user-left', room: 'j-room', userId: 'u1' },
          { kind: 'user-left', room: 'j-room', userId: 'u2' },
          { kind: 'vacated', room: 'j-room' },
          { kind: 'occupied', room: 'j-room' },
          { kind: 'user-joined', room: 'j-room', userId: 'u1' },
        ]);
        const ids = entries.map((e) => e.id);
        expect([...ids].sort(compareIds)).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('counts connections only when asked to, and nothing for rooms joined without an occupancy', async () => {
        const from = await bus.journal.cursor('test');
        const p = bus.presence;
        await p.join('j-conns', 'c1', u('c1'), { occupancy: 'connections' });
        await p.join('j-conns', 'c2', u('c2'), { occupancy: 'connections' });
        await p.join('j-plain', 'c3', u('u3'));
        await p.leave('j-plain', 'c3');
        await p.leave('j-conns', 'c1');
        await p.leave('j-conns', 'c2');
        expect((await bus.journal.read(from, 100)).map(record)).toEqual([
          { kind: 'occupied', room: 'j-conns' },
          { kind: 'vacated', room: 'j-conns' },
        ]);
      });

      it('keeps notes in order with the transitions; read pages by id', async () => {
        const from = await bus.journal.cursor('test');
        const first = await bus.journal.append('j-notes', '{"n":1}');
        await bus.presence.join('j-notes', 'c1', u('c1'), { occupancy: 'connections' });
        const last = await bus.journal.append('j-notes', '{"n":2}');
        const all = await bus.journal.read(from, 100);
        expect(all.map(record)).toEqual([
          { kind: 'note', room: 'j-notes', data: '{"n":1}' },
          { kind: 'occupied', room: 'j-notes' },
          { kind: 'note', room: 'j-notes', data: '{"n":2}' },
        ]);
        expect([all[0]!.id, all[2]!.id]).toEqual([first, last]);
        expect((await bus.journal.read(from, 2)).map((e) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
        expect((await bus.journal.read(all[1]!.id, 100)).map((e) => e.id)).toEqual([last]);
        expect(await bus.journal.read(last, 100)).toEqual([]);
        await bus.presence.leave('j-notes', 'c1');
      });

      it('a new consumer starts at the tip; its cursor moves only forward and only under its lease', async () => {
        await bus.journal.append('j-cursor', 'before');
        const tip = await bus.journal.cursor('fresh');
        expect(await bus.journal.read(tip, 10)).toEqual([]);
        const a = await bus.journal.append('j-cursor', 'a');
        const b = await bus.journal.append('j-cursor', 'b');

        expect(await bus.journal.lead('fresh', 'one', 10_000)).toBe(true);
        expect(await bus.journal.lead('fresh', 'two', 10_000)).toBe(false);
        expect(await bus.journal.lead('fresh', 'one', 10_000)).toBe(true);
        expect(await bus.journal.commit('fresh', 'two', b)).toBe(false);
        expect(await bus.journal.cursor('fresh')).toBe(tip);
        expect(await bus.journal.commit('fresh', 'one', b)).toBe(true);
        expect(await bus.journal.commit('fresh', 'one', a)).toBe(true);
        expect(await bus.journal.cursor('fresh')).toBe(b);

        await bus.journal.resign('fresh', 'two');
        expect(await bus.journal.lead('fresh', 'two', 10_000)).toBe(false);
        await bus.journal.resign('fresh', 'one');
        expect(await bus.journal.lead('fresh', 'two', 10_000)).toBe(true);
        expect(await bus.journal.commit('fresh', 'one', a)).toBe(false);
      });

      it('a lease not renewed lapses, and another owner takes it', async () => {
        expect(await bus.journal.lead('lapse', 'one', 150)).toBe(true);
        expect(await bus.journal.lead('lapse', 'two', 150)).toBe(false);
        let took = false;
        const started = Date.now();
        while (!took && Date.now() - started < 10_000) {
          await sleep(25);
          took = await bus.journal.lead('lapse', 'two', 10_000);
        }
        expect(took).toBe(true);
        expect(await bus.journal.lead('lapse', 'one', 150)).toBe(false);
      });
    });
  });
}
