import type { BusEvent } from '@herald/bus';
import { chatTopic, encodeChatPayload, LiveFloors } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { Room } from './room.js';
import { harness, settle } from '../test/fake-socket.js';

const alice = { id: 'alice', name: 'alice' };
const bob = { id: 'bob', name: 'bob' };

function event(id: string, text: string): BusEvent {
  return { id, topic: chatTopic('r'), data: encodeChatPayload('r', alice, text, 1), ts: Date.now() };
}

function room() {
  const h = harness();
  return { h, room: new Room('r', { bus: h.bus, metrics: h.metrics, log: h.log }) };
}

describe('Room (no socket)', () => {
  it('holds what a joining connection misses and hands it over on completeJoin, in order', async () => {
    const { h, room: r } = room();
    const { conn, socket } = h.connect(bob);
    const ticket = r.beginJoin(conn);
    r.deliver(event('1-0', 'during the join'));
    expect(r.isMember(conn)).toBe(false);
    expect(r.joiningCount).toBe(1);
    const missed = r.completeJoin(conn, ticket, new LiveFloors());
    expect(missed).toHaveLength(1);
    expect(r.isMember(conn)).toBe(true);
    expect(r.joiningCount).toBe(0);
    r.deliver(event('2-0', 'live'));
    await settle();
    expect(socket.json().map((f) => f.text)).toEqual(['live']);
    r.close();
  });

  it('keeps a connection joining xor a member: a second join voids the first ticket', () => {
    const { h, room: r } = room();
    const { conn } = h.connect(bob);
    const first = r.beginJoin(conn);
    r.completeJoin(conn, first, new LiveFloors());
    const second = r.beginJoin(conn);
    expect(r.isMember(conn)).toBe(false);
    expect(r.stillJoining(conn, first)).toBe(false);
    expect(r.completeJoin(conn, first, new LiveFloors())).toEqual([]);
    expect(r.isMember(conn)).toBe(false);
    expect(r.stillJoining(conn, second)).toBe(true);
    r.remove(conn);
    expect(r.empty).toBe(true);
    r.close();
  });

  it('drops live events a member already got with its joined, then lets the rest through', async () => {
    const { h, room: r } = room();
    const { conn, socket } = h.connect(bob);
    r.completeJoin(conn, r.beginJoin(conn), new LiveFloors([[chatTopic('r'), '5-0']]));
    for (const id of ['4-0', '5-0', '6-0', '7-0']) r.deliver(event(id, id));
    await settle();
    expect(socket.json().map((f) => f.id)).toEqual(['6-0', '7-0']);
    r.close();
  });

  it('counts seed-mode members and sends them plain text, JSON members the message frame', async () => {
    const { h, room: r } = room();
    const seed = h.connect(alice, { seedMode: true });
    const json = h.connect(bob);
    r.addSeedMember(seed.conn);
    r.addSeedMember(seed.conn);
    r.completeJoin(json.conn, r.beginJoin(json.conn), new LiveFloors());
    expect(r.seedMemberCount).toBe(1);
    r.deliver(event('1-0', 'hello'));
    await settle();
    expect(seed.socket.sent).toEqual(['hello']);
    expect(json.socket.json()[0]).toMatchObject({ type: 'message', text: 'hello', id: '1-0' });
    r.remove(seed.conn);
    expect(r.seedMemberCount).toBe(0);
    r.close();
  });

  it('tells presence changes to the other JSON members only', async () => {
    const { h, room: r } = room();
    const a = h.connect(alice, { id: 'a' });
    const b = h.connect(bob, { id: 'b' });
    const seed = h.connect(alice, { seedMode: true });
    r.completeJoin(a.conn, r.beginJoin(a.conn), new LiveFloors());
    r.completeJoin(b.conn, r.beginJoin(b.conn), new LiveFloors());
    r.addSeedMember(seed.conn);
    r.presenceChanged({ room: 'r', event: 'join', user: bob, connectionId: 'b' });
    await settle();
    expect(a.socket.json()).toEqual([{ type: 'presence', room: 'r', event: 'join', user: bob }]);
    expect(b.socket.sent).toEqual([]);
    expect(seed.socket.sent).toEqual([]);
    r.close();
  });

  it('does not deliver what is not a chat message of this room, and counts it dropped', async () => {
    const { h, room: r } = room();
    const { conn, socket } = h.connect(bob);
    r.completeJoin(conn, r.beginJoin(conn), new LiveFloors());
    r.deliver({ id: '1-0', topic: chatTopic('r'), data: '{"not":"chat"}', ts: Date.now() });
    await settle();
    expect(socket.sent).toEqual([]);
    expect((await h.metrics.dropped.get()).values[0]?.value).toBe(1);
    r.close();
  });
});
