import { MemoryBus, type Bus } from '@herald/bus';
import { chatTopic, encodeChatPayload } from '@herald/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from './test/test-client.js';
import { startGateway, waitUntil, type TestGateway } from './test/test-server.js';

let gateway: TestGateway | undefined;
const clients: TestClient[] = [];

async function start(env: Record<string, string> = {}, bus?: Bus): Promise<TestGateway> {
  gateway = await startGateway({ RATE_LIMIT: '0', ...env }, { bus });
  return gateway;
}

async function client(name: string, room?: string) {
  const { client: c, welcome } = await TestClient.join(gateway!.ws, name, room);
  clients.push(c);
  return { c, welcome };
}

/** Sends with a ref and waits for the ack: every frame sent before it has been handled. */
async function roundTrip(c: TestClient, room: string, text: string) {
  const ref = `rt-${text}`;
  c.send({ type: 'send', room, text, ref });
  return c.next('ack', (f) => f.ref === ref);
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

describe('chat over /ws', () => {
  it('welcomes a client with its connection id and user', async () => {
    await start();
    const { welcome } = await client('alice');
    expect(welcome).toEqual({ type: 'welcome', connectionId: expect.any(String), user: { id: 'alice', name: 'alice' } });
    const { welcome: other } = await client('bob');
    expect(other.connectionId).not.toBe(welcome.connectionId);
  });

  it('delivers a message to every member with one id and acks the sender', async () => {
    await start();
    const { c: alice } = await client('alice', 'r1');
    const { c: bob } = await client('bob', 'r1');
    alice.send({ type: 'send', room: 'r1', text: 'hello', ref: 'a1' });
    const ack = await alice.next('ack');
    const atAlice = await alice.next('message');
    const atBob = await bob.next('message');
    expect(atBob).toEqual({
      type: 'message',
      room: 'r1',
      id: ack.id,
      from: { id: 'alice', name: 'alice' },
      text: 'hello',
      ts: expect.any(Number),
    });
    expect(atAlice).toEqual(atBob);
    expect(ack).toEqual({ type: 'ack', ref: 'a1', id: atBob.id });
  });

  it('sends no ack for a send without ref', async () => {
    await start();
    const { c: alice } = await client('alice', 'r1');
    alice.send({ type: 'send', room: 'r1', text: 'no ref' });
    await roundTrip(alice, 'r1', 'barrier');
    expect(alice.count('message')).toBe(2);
    expect(alice.count('ack')).toBe(0);
  });

  it('keeps one order of ids for every member', async () => {
    await start();
    const { c: alice } = await client('alice', 'r1');
    const { c: bob } = await client('bob', 'r1');
    for (let i = 0; i < 20; i++) (i % 2 ? alice : bob).send({ type: 'send', room: 'r1', text: `m${i}` });
    await roundTrip(alice, 'r1', 'a-done');
    await roundTrip(bob, 'r1', 'b-done');
    for (const c of [alice, bob]) await c.next('message', (f) => f.text === 'a-done');
    for (const c of [alice, bob]) await c.next('message', (f) => f.text === 'b-done');
    const idsOf = (c: TestClient) => c.frames.filter((f) => f.type === 'message').map((f) => f.id);
    expect(idsOf(alice)).toHaveLength(20);
    expect(idsOf(alice)).toEqual(idsOf(bob));
  });

  it('announces joins and leaves, also when a connection closes', async () => {
    await start();
    const { c: alice } = await client('alice', 'r1');
    const { c: bob } = await client('bob', 'r1');
    expect(await alice.next('presence')).toEqual({ type: 'presence', room: 'r1', event: 'join', user: { id: 'bob', name: 'bob' } });

    bob.send({ type: 'leave', room: 'r1' });
    expect(await bob.next('left')).toEqual({ type: 'left', room: 'r1' });
    expect(await alice.next('presence')).toMatchObject({ event: 'leave', user: { id: 'bob' } });

    const { c: carol } = await client('carol', 'r1');
    await alice.next('presence', (f) => f.event === 'join' && f.user.id === 'carol');
    carol.close();
    await alice.next('presence', (f) => f.event === 'leave' && f.user.id === 'carol');
    expect(bob.count('presence')).toBe(0);
  });

  it('lists members once per user, including the joiner', async () => {
    await start();
    await client('alice', 'r1');
    await client('alice', 'r1');
    await client('bob', 'r1');
    const { c: carol } = await client('carol');
    carol.send({ type: 'join', room: 'r1' });
    const joined = await carol.next('joined');
    expect(joined.members.map((m: { id: string }) => m.id)).toEqual(['alice', 'bob', 'carol']);
  });

  it('returns the newest HISTORY_ON_JOIN messages on a join without since', async () => {
    await start({ HISTORY_ON_JOIN: '3' });
    const { c: alice } = await client('alice', 'r1');
    for (let i = 1; i <= 5; i++) await roundTrip(alice, 'r1', `m${i}`);
    const { c: bob } = await client('bob');
    bob.send({ type: 'join', room: 'r1' });
    const joined = await bob.next('joined');
    expect(joined.history.map((m: { text: string }) => m.text)).toEqual(['m3', 'm4', 'm5']);
    expect(joined.recovered).toBe(true);
    expect(joined.history[0]).toMatchObject({ type: 'message', room: 'r1', from: { id: 'alice' } });
  });

  it('recovers exactly the messages after `since`', async () => {
    await start();
    const { c: alice } = await client('alice', 'r1');
    const acks = [];
    for (let i = 1; i <= 4; i++) acks.push(await roundTrip(alice, 'r1', `m${i}`));
    const { c: bob } = await client('bob');
    bob.send({ type: 'join', room: 'r1', since: acks[1]!.id });
    const joined = await bob.next('joined');
    expect(joined.history.map((m: { id: string }) => m.id)).toEqual([acks[2]!.id, acks[3]!.id]);
    expect(joined.recovered).toBe(true);
  });

  it('says recovered:false once history no longer reaches `since`', async () => {
    await start({ HISTORY_SIZE: '3' });
    const { c: alice } = await client('alice', 'r1');
    const acks = [];
    for (let i = 1; i <= 6; i++) acks.push(await roundTrip(alice, 'r1', `m${i}`));
    const { c: bob } = await client('bob');
    bob.send({ type: 'join', room: 'r1', since: acks[0]!.id });
    const joined = await bob.next('joined');
    expect(joined.recovered).toBe(false);
    expect(joined.history.map((m: { text: string }) => m.text)).toEqual(['m4', 'm5', 'm6']);
  });

  it('answers a second join of the same room with joined again and no duplicates', async () => {
    await start();
    const { c: alice } = await client('alice', 'r1');
    alice.send({ type: 'join', room: 'r1' });
    expect(await alice.next('joined')).toMatchObject({ room: 'r1', members: [{ id: 'alice' }] });
    await roundTrip(alice, 'r1', 'once');
    await roundTrip(alice, 'r1', 'barrier');
    expect(alice.count('message', (f) => f.text === 'once')).toBe(1);
  });

  it('answers left for a room it was not in', async () => {
    await start();
    const { c: alice } = await client('alice');
    alice.send({ type: 'leave', room: 'nowhere' });
    expect(await alice.next('left')).toEqual({ type: 'left', room: 'nowhere' });
  });

  it('holds one bus subscription per room and drops it with the last local member', async () => {
    const bus = new MemoryBus({ historySize: 100 });
    await start({}, bus);
    const { c: alice } = await client('alice', 'r1');
    const { c: bob } = await client('bob', 'r1');
    await client('carol', 'r1');
    expect(bus.stats()).toEqual({ topics: 1, listeners: 1 });
    alice.send({ type: 'leave', room: 'r1' });
    await alice.next('left');
    expect(bus.stats()).toEqual({ topics: 1, listeners: 1 });
    bob.send({ type: 'leave', room: 'r1' });
    await bob.next('left');
    clients[2]!.close();
    await clients[2]!.closed;
    await waitUntil(() => bus.stats().topics === 0, 'the room subscription is dropped');
    expect(bus.stats()).toEqual({ topics: 0, listeners: 0 });
  });
});

/**
 * A MemoryBus that publishes one message on the room while a join reads history,
 * before or after the read: the race a real bus has with other publishers.
 */
class RacingBus extends MemoryBus {
  raced: string | undefined;
  constructor(private readonly publishFirst: boolean) {
    super({ historySize: 100 });
  }

  override async history(topic: string, after?: string, limit?: number) {
    const race = async () => {
      const data = encodeChatPayload('r1', { id: 'zed', name: 'zed' }, 'raced', Date.now());
      this.raced = (await this.publish(chatTopic('r1'), data)).id;
    };
    if (this.publishFirst) await race();
    const result = await super.history(topic, after, limit);
    if (!this.publishFirst) await race();
    return result;
  }
}

describe('join ordering', () => {
  it.each([
    ['after the history read', false],
    ['before the history read', true],
  ])('delivers a message published %s exactly once, after joined', async (_when, publishFirst) => {
    const bus = new RacingBus(publishFirst);
    await start({}, bus);
    const { c: alice } = await client('alice');
    alice.send({ type: 'join', room: 'r1' });
    await alice.next('joined');
    await roundTrip(alice, 'r1', 'barrier');
    const joinedAt = alice.texts.findIndex((t) => t.includes('"type":"joined"'));
    const inHistory = JSON.parse(alice.texts[joinedAt]!).history.filter((m: { id: string }) => m.id === bus.raced);
    const live = alice.texts.flatMap((t, i) => (t.includes(`"id":"${bus.raced}"`) && i !== joinedAt ? [i] : []));
    expect(inHistory.length + live.length).toBe(1);
    for (const i of live) expect(i).toBeGreaterThan(joinedAt);
  });
});
