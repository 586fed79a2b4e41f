import { afterEach, describe, expect, it } from 'vitest';
import { SEED_MAX_STRIKES } from '../src/seed-handler.js';
import { ChatTestClient, metricValue } from '@herald/testkit';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

let gateway: TestGateway | undefined;

async function raw(query = ''): Promise<ChatTestClient> {
  const c = await ChatTestClient.connect(`${gateway!.ws}/${query}`);
  return c;
}

async function json(name: string, room?: string): Promise<ChatTestClient> {
  const { client } = await ChatTestClient.join(gateway!.ws, name, room);
  return client;
}

afterEach(closeAll);

describe('raw mode on / (seed-compatible)', () => {
  it('lets a raw client and a JSON client talk in lobby', async () => {
    gateway = await startGateway();
    const alice = await json('alice', 'lobby');
    const seed = await raw('?name=seed');
    expect(await alice.next('presence')).toEqual({ type: 'presence', room: 'lobby', event: 'join', user: { id: 'seed', name: 'seed' } });

    seed.sendRaw('你好 from the seed page');
    expect(await alice.next('message')).toMatchObject({
      room: 'lobby',
      from: { id: 'seed', name: 'seed' },
      text: '你好 from the seed page',
    });
    await seed.nextText('你好 from the seed page');

    alice.send({ type: 'send', room: 'lobby', text: 'hi raw', ref: 'a' });
    await alice.next('ack');
    await seed.nextText('hi raw');
    // Plain text only: no welcome, no presence, no JSON at all.
    expect(seed.texts).toEqual([]);
    expect(seed.frames).toEqual([]);
  });

  it('shows raw clients as lobby members and announces their leaving', async () => {
    gateway = await startGateway();
    const seed = await raw();
    const alice = await json('alice');
    // The raw client is in presence once its join reached the bus.
    for (let attempt = 0; ; attempt++) {
      expect(attempt).toBeLessThan(200);
      alice.send({ type: 'join', room: 'lobby' });
      const joined = await alice.next('joined');
      if (joined.members.some((m: { name: string }) => m.name === 'anonymous')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    seed.close();
    expect(await alice.next('presence', (f) => f.event === 'leave')).toMatchObject({ user: { name: 'anonymous' } });
  });

  it('does not deliver other rooms to raw clients', async () => {
    gateway = await startGateway();
    const seed = await raw();
    const alice = await json('alice', 'elsewhere');
    alice.send({ type: 'join', room: 'lobby' });
    await alice.next('joined');
    alice.send({ type: 'send', room: 'elsewhere', text: 'not for raw' });
    alice.send({ type: 'send', room: 'lobby', text: 'for raw' });
    await seed.nextText('for raw');
    expect(seed.texts).toEqual([]);
  });

  it('drops oversize and binary raw frames without posting them', async () => {
    gateway = await startGateway({ MAX_MESSAGE_BYTES: '100' });
    const alice = await json('alice', 'lobby');
    const seed = await raw();
    seed.sendRaw('x'.repeat(150));
    seed.sendRaw(Buffer.from('binary'), { binary: true });
    seed.sendRaw('short one');
    await alice.next('message', (f) => f.text === 'short one');
    expect(alice.count('message')).toBe(0);
    expect(await metricValue(gateway.metrics, 'herald_messages_dropped_total')).toBe(2);
    expect(seed.ws.readyState).toBe(seed.ws.OPEN);
  });

  it(`closes a raw client with 1008 after ${SEED_MAX_STRIKES} refused frames in a row`, async () => {
    gateway = await startGateway({ RATE_LIMIT: '2' });
    const seed = await raw();
    for (let i = 0; i < SEED_MAX_STRIKES + 5; i++) seed.sendRaw(`flood ${i}`);
    expect((await seed.closed).code).toBe(1008);
    expect(await metricValue(gateway.metrics, 'herald_messages_dropped_total')).toBeGreaterThanOrEqual(SEED_MAX_STRIKES);
  });
});
