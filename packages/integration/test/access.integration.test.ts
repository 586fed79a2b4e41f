import { servicesOnRedis } from './on-redis.js';
import type { ChatMessage } from '@herald/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertAppsBuilt, ChatTestClient, postPublish, REDIS_TEST_URL, redisAvailable, Service, signHs256, SseReader, uniquePrefix, upgradeStatus, waitUntil } from '@herald/testkit';

// The probes of the access-control issue, repeated on real processes sharing one
// Redis: each is refused with its documented status or code, and the legitimate
// path beside it works.
const up = await redisAvailable();
const prefix = uniquePrefix('access');
const SECRET = 'integration-secret-0123456789-0123456789';
const nowS = () => Math.floor(Date.now() / 1000);
const jwt = (claims: Record<string, unknown>) => signHs256({ exp: nowS() + 3600, ...claims }, SECRET);
const env = { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH_SECRET: SECRET, AUTH_AUDIENCE: 'herald', LOG_LEVEL: 'info', RATE_LIMIT: '0' };

describe.skipIf(!up)('access control across both services on Redis', () => {
  const services = servicesOnRedis(['chat-gateway', 'event-stream'], env, prefix);
  let gateway: Service;
  let stream: Service;
  beforeAll(() => void ([gateway, stream] = services as [Service, Service]));

  const member = async (sub: string, rooms: string[]) => {
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?token=${jwt({ sub, aud: 'herald', herald: { rooms } })}`);
    await c.next('welcome');
    return c;
  };

  it('a private room cannot be read over SSE without its room right; with it, it can', async () => {
    const ceo = await member('ceo', ['board-*']);
    await ceo.joinRoom('board-private');
    await ceo.say('board-private', 'the plan');
    const anonymous = await SseReader.open(`${stream.http}/sse?topic=chat.board-private`, { 'last-event-id': '0-0' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.events).toEqual([]);
    const outsider = await SseReader.open(`${stream.http}/sse?topic=chat.board-private&token=${jwt({ sub: 'x', aud: 'herald', herald: { rooms: ['team-*'] } })}`, { 'last-event-id': '0-0' });
    expect(outsider.status).toBe(403);
    const board = await SseReader.open(`${stream.http}/sse?topic=chat.board-private&token=${jwt({ sub: 'y', aud: 'herald', herald: { rooms: ['board-*'] } })}`, { 'last-event-id': '0-0' });
    expect(board.status).toBe(200);
    await waitUntil(() => board.events.length >= 1, { message: 'the replayed message' });
    expect(JSON.parse(board.events[0]!.data)).toMatchObject({ text: 'the plan', from: { id: 'ceo' } });
    board.close();
  });

  it('a publish cannot make a message appear from someone else; it comes from the publisher', async () => {
    const listener = await member('alice', ['*']);
    await listener.joinRoom('board');
    const auth = { authorization: `Bearer ${jwt({ sub: 'mallory', aud: 'herald', herald: { rooms: ['board'], publish: ['chat.board'] } })}` };
    const spoof = await postPublish(stream.http, { topic: 'chat.board', data: { text: 'fire everyone', from: { id: 'ceo' } } }, auth);
    expect(spoof.status).toBe(400);
    const honest = await postPublish(stream.http, { topic: 'chat.board', data: { text: 'hello' } }, auth);
    expect(honest.status).toBe(202);
    const got = (await listener.find((f) => f.type === 'message' && f.text === 'hello')) as ChatMessage;
    expect(got.from.id).toBe('mallory');
    expect(listener.messages('board').map((m) => m.text)).toEqual(['hello']);
  });

  it('refuses the tokens the issue found accepted, each with 401 before the upgrade', async () => {
    const cases = {
      'expired 2 s ago': signHs256({ sub: 'a', aud: 'herald', exp: nowS() - 2 }, SECRET),
      'no exp': signHs256({ sub: 'a', aud: 'herald' }, SECRET),
      'a foreign aud': jwt({ sub: 'a', aud: 'elsewhere' }),
      'iat ten years ahead': jwt({ sub: 'a', aud: 'herald', iat: nowS() + 10 * 365 * 86400 }),
      'a name with a lone surrogate': jwt({ sub: 'a', aud: 'herald', name: 'x\ud800' }),
    };
    for (const [what, token] of Object.entries(cases)) {
      const { status } = await upgradeStatus(`${gateway.ws}/ws?token=${token}`);
      expect({ what, status }).toEqual({ what, status: 401 });
    }
  });

  it('closes at exp with 4401; the client comes back with a new token and since, losing nothing', async () => {
    const short = await ChatTestClient.connect(`${gateway.ws}/ws?token=${signHs256({ sub: 'bob', aud: 'herald', exp: nowS() + 2 }, SECRET)}`);
    await short.next('welcome');
    await short.joinRoom('team-a');
    const last = await short.say('team-a', 'before expiry');
    const other = await member('carol', ['team-*']);
    await other.joinRoom('team-a');
    expect((await short.closed).code).toBe(4401);
    await other.say('team-a', 'while bob was away');
    const back = await member('bob', ['team-*']);
    const joined = await back.joinRoom('team-a', last);
    expect(joined.recovered).toBe(true);
    expect(joined.history.map((m) => m.text)).toEqual(['while bob was away']);
  });

  it('reads ?%74oken= as the token and never logs it', async () => {
    const token = jwt({ sub: 'enc', aud: 'herald' });
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?%74oken=${token}`);
    expect(await c.next('welcome')).toMatchObject({ user: { id: 'enc' } });
    await waitUntil(() => gateway.stdout.includes('%74oken'), { message: 'the request logged' });
    expect(gateway.stdout).not.toContain(token.split('.')[2]!);
  });
});

describe('publishing with no token configured', () => {
  it('refuses a loopback publish that carries a foreign Origin (a web page on this machine)', async () => {
    assertAppsBuilt();
    const open = await Service.start('event-stream', {});
    try {
      const page = await postPublish(open.http, { topic: 'news', data: 1 }, { origin: 'https://evil.example' });
      expect(page.status).toBe(403);
      expect((await postPublish(open.http, { topic: 'news', data: 1 })).status).toBe(202);
    } finally {
      await open.stop();
    }
  });
});
