import { describe, expect, it, beforeEach } from 'vitest';
import { compareIds } from '@herald/protocol';
import type { Bus, PresenceChange } from '../src/bus.js';
import { record, sleep, waitFor } from './contract-helpers.js';

/**
 * The presence and journal half of the bus contract, run inside describeBusContract:
 * `current` is the bus its beforeEach made.
 */
export function describePresenceContract(current: () => Bus): void {
  let bus: Bus;
  beforeEach(() => {
    bus = current();
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
}
