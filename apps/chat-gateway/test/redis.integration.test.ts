import { RedisBus } from '@herald/bus';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChatTestClient, closeAllChatClients, deleteKeys, REDIS_TEST_URL, redisAvailable, uniquePrefix } from '@herald/testkit';
import { member, startGateway, type TestGateway } from './gateway.js';

/**
 * The gateway code is bus-agnostic: the same rooms work across two instances
 * sharing one Redis (the deployment shape of docker-compose).
 */
const up = await redisAvailable();
const prefix = uniquePrefix('chat');
let gateways: TestGateway[] = [];

async function instance(env: Record<string, string> = {}): Promise<TestGateway> {
  const bus = new RedisBus({ url: REDIS_TEST_URL, historySize: 100, keyPrefix: prefix });
  if (!(await bus.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
  const gateway = await startGateway({ RATE_LIMIT: '0', ...env }, { bus });
  gateways.push(gateway);
  return gateway;
}

afterEach(async () => {
  closeAllChatClients();
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
});

afterAll(async () => {
  if (up) await deleteKeys(prefix);
});

describe.skipIf(!up)('two gateway instances on one Redis', () => {
  it('share a room: messages with one id, acks, presence and members', async () => {
    const [a, b] = [await instance(), await instance()];
    const alice = await member(a, 'alice', 'shared');
    const bob = await member(b, 'bob');
    bob.send({ type: 'join', room: 'shared' });
    const joined = await bob.next('joined');
    expect(joined.members.map((m: { id: string }) => m.id).sort()).toEqual(['alice', 'bob']);
    expect(await alice.next('presence')).toMatchObject({ event: 'join', user: { id: 'bob' } });

    alice.send({ type: 'send', room: 'shared', text: 'across instances', ref: 'x' });
    const ack = await alice.next('ack');
    expect(await bob.next('message')).toMatchObject({ id: ack.id, text: 'across instances', from: { id: 'alice' } });
    expect(await alice.next('message')).toMatchObject({ id: ack.id });

    bob.close();
    expect(await alice.next('presence', (f) => f.event === 'leave')).toMatchObject({ user: { id: 'bob' } });
  });

  it('recovers with since on another instance', async () => {
    const [a, b] = [await instance(), await instance()];
    const alice = await member(a, 'alice', 'resume');
    const acks = [];
    for (let i = 1; i <= 3; i++) {
      alice.send({ type: 'send', room: 'resume', text: `m${i}`, ref: `r${i}` });
      acks.push(await alice.next('ack'));
    }
    const bob = await member(b, 'bob');
    bob.send({ type: 'join', room: 'resume', since: acks[0]!.id });
    const joined = await bob.next('joined');
    expect(joined.recovered).toBe(true);
    expect(joined.history.map((m: { text: string }) => m.text)).toEqual(['m2', 'm3']);
  });

  it('lets a raw client on one instance talk with a JSON client on the other', async () => {
    const [a, b] = [await instance(), await instance()];
    const alice = await member(a, 'alice', 'lobby');
    const seed = await ChatTestClient.connect(`${b.ws}/?name=seed`);
    await alice.next('presence', (f) => f.user.id === 'seed');
    seed.sendRaw('from raw');
    expect(await alice.next('message')).toMatchObject({ text: 'from raw', from: { id: 'seed' } });
    alice.send({ type: 'send', room: 'lobby', text: 'to raw' });
    await seed.nextText('to raw');
  });
});
