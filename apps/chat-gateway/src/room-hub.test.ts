import { chatTopic, encodeChatPayload } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_ROOMS_PER_CONNECTION, RoomHub } from './room-hub.js';
import { harness, settle } from '../test/fake-socket.js';

const alice = { id: 'alice', name: 'alice' };
const bob = { id: 'bob', name: 'bob' };

function setup() {
  const h = harness();
  const hub = new RoomHub({ bus: h.bus, metrics: h.metrics, log: h.log, historyOnJoin: 3, maxJoinHistoryBytes: 1 << 20, maxMessageBytes: 65_536 });
  const say = async (text: string) => (await h.bus.publish(chatTopic('r'), encodeChatPayload('r', alice, text, 1))).id;
  return { h, hub, say };
}

const texts = (frames: Array<Record<string, unknown>>) =>
  frames.flatMap((f) => (f.type === 'joined' ? (f.history as Array<{ text: string }>).map((m) => `h:${m.text}`) : f.type === 'message' ? [`m:${String(f.text)}`] : []));

describe('RoomHub (no socket)', () => {
  it('joins with the newest history and then live messages, each once', async () => {
    const { h, hub, say } = setup();
    for (const t of ['a', 'b', 'c', 'd']) await say(t);
    const { conn, socket } = h.connect(bob);
    await hub.join(conn, 'r', undefined);
    await say('e');
    await settle();
    expect(texts(socket.json())).toEqual(['h:b', 'h:c', 'h:d', 'm:e']);
    expect(socket.json()[0]).toMatchObject({ type: 'joined', room: 'r', recovered: true });
    hub.close();
  });

  it('resumes after since with exactly the missed messages', async () => {
    const { h, hub, say } = setup();
    const ids = [await say('a'), await say('b'), await say('c')];
    const { conn, socket } = h.connect(bob);
    await hub.join(conn, 'r', ids[0]);
    await settle();
    expect(texts(socket.json())).toEqual(['h:b', 'h:c']);
    hub.close();
  });

  it('takes a made-up since past the newest message as the newest: later messages still arrive', async () => {
    const { h, hub, say } = setup();
    await say('a');
    const { conn, socket } = h.connect(bob);
    await hub.join(conn, 'r', '99999999999999-0');
    await say('b');
    await settle();
    expect(texts(socket.json())).toEqual(['m:b']);
    hub.close();
  });

  it('says recovered:false when history no longer reaches since', async () => {
    const { h, hub, say } = setup();
    const first = await say('first');
    for (let i = 0; i < 120; i++) await say(`n${i}`);
    const { conn, socket } = h.connect(bob);
    await hub.join(conn, 'r', first);
    await settle();
    expect(socket.json()[0]).toMatchObject({ type: 'joined', recovered: false });
    hub.close();
  });

  it('frees the room (and its bus subscription) when the last member leaves or closes', async () => {
    const { h, hub } = setup();
    const a = h.connect(alice);
    const b = h.connect(bob);
    await hub.join(a.conn, 'r', undefined);
    await hub.join(b.conn, 'r', undefined);
    expect(hub.roomCount).toBe(1);
    await hub.leave(a.conn, 'r');
    expect(a.conn.rooms.size).toBe(0);
    hub.release(b.conn);
    await hub.settled();
    expect(hub.roomCount).toBe(0);
    expect(await h.bus.presence.members('r')).toEqual([]);
    hub.close();
  });

  it('refuses a join past MAX_ROOMS_PER_CONNECTION with bad_request', async () => {
    const { h, hub } = setup();
    const { conn, socket } = h.connect(bob);
    for (let i = 0; i < MAX_ROOMS_PER_CONNECTION; i++) conn.rooms.add(`x${i}`);
    await hub.join(conn, 'one-more', undefined);
    await settle();
    expect(socket.json()).toEqual([{ type: 'error', code: 'bad_request', message: expect.stringMatching(/at most/) }]);
    expect(hub.roomCount).toBe(0);
    hub.close();
  });
});
