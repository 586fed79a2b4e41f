import { chatTopic } from '@herald/protocol';
import { postPublish, signHs256, SseReader, waitUntil } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from './stream.js';

// Access control, contract v2, on the event stream: the probes of the access-control
// issue (a private room read over SSE, a spoofed `from`, a cross-site publish).
const SECRET = 'stream-secret-0123456789-0123456789';
const PUBLISH_TOKEN = 'operator-token-0123456789';
const nowS = () => Math.floor(Date.now() / 1000);
const jwt = (claims: Record<string, unknown>) => signHs256({ exp: nowS() + 3600, ...claims }, SECRET);

let server: TestServer;
afterEach(closeAll);

const sse = (query: string, headers: Record<string, string> = {}) => SseReader.open(`${server.url}/sse?${query}`, headers);

describe('reading topics', () => {
  it('refuses a private room without a token (401) or without the room right (403), before any stream byte', async () => {
    server = await startServer({ AUTH_SECRET: SECRET });
    await server.bus.publish(chatTopic('board-private'), '{"secret":true}');
    const anonymous = await sse('topic=chat.board-private', { 'last-event-id': '0-0' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/needs a token/) } });
    expect(anonymous.events).toEqual([]);
    const teamOnly = await sse(`topic=chat.board-private&token=${jwt({ sub: 'a', herald: { rooms: ['team-*'] } })}`);
    expect(teamOnly.status).toBe(403);
    expect(await teamOnly.json()).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/chat\.board-private/) } });
    expect(server.memoryBus.stats().listeners).toBe(0);
  });

  it('lets the room right read chat.<room> and the subscribe right read other topics', async () => {
    server = await startServer({ AUTH_SECRET: SECRET });
    const reader = await sse(`topic=chat.board-private&topic=user.alice&token=${jwt({ sub: 'a', herald: { rooms: ['board-*'], subscribe: ['user.alice'] } })}`);
    expect(reader.status).toBe(200);
    await server.bus.publish('user.alice', '{"n":1}');
    await waitUntil(() => reader.events.length === 1, { message: 'the event' });
    const other = await sse(`topic=user.bob&token=${jwt({ sub: 'a', herald: { subscribe: ['user.alice'] } })}`);
    expect(other.status).toBe(403);
    reader.close();
  });

  it('keeps PUBLIC_TOPICS (default time) open without a token', async () => {
    server = await startServer({ AUTH_SECRET: SECRET, TIME_INTERVAL_MS: '50' });
    const time = await sse('topic=time');
    expect(time.status).toBe(200);
    await waitUntil(() => time.events.length >= 1, { message: 'a tick' });
    time.close();
  });

  it('takes the token from Authorization: Bearer, from the AUTH_COOKIE cookie, and from ?%74oken=', async () => {
    server = await startServer({ AUTH_SECRET: SECRET, AUTH_COOKIE: 'herald_token' });
    const token = jwt({ sub: 'a', herald: { subscribe: ['news'] } });
    for (const [query, headers] of [
      ['topic=news', { authorization: `Bearer ${token}` }],
      ['topic=news', { cookie: `other=1; herald_token=${token}` }],
      [`topic=news&%74oken=${token}`, {}],
    ] as const) {
      const reader = await sse(query, headers);
      expect(reader.status).toBe(200);
      reader.close();
    }
  });

  it("ends a stream at its token's exp", async () => {
    server = await startServer({ AUTH_SECRET: SECRET });
    const reader = await sse(`topic=news&token=${signHs256({ sub: 'a', exp: nowS() + 2, herald: { subscribe: ['news'] } }, SECRET)}`);
    expect(reader.status).toBe(200);
    expect(await reader.waitForEnd()).toBe(true);
    expect(reader.complete).toBe(true);
  });
});

describe('Pusher channels over SSE', () => {
  it('keeps private Pusher channels closed with auth off (403), public ones open; with auth, a token that grants the topic reads it', async () => {
    server = await startServer();
    for (const channel of ['private-orders', 'presence-room', 'private-encrypted-x', '#server-to-user-u1']) {
      const topic = `pusher.app1.${channel.replace('#', ':h')}`;
      const refused = await sse(`topic=${encodeURIComponent(topic)}`);
      expect(refused.status, topic).toBe(403);
      expect(await refused.json()).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/private Pusher channel/) } });
    }
    const open = await sse('topic=pusher.app1.orders');
    expect(open.status).toBe(200);
    open.close();
    await closeAll();

    server = await startServer({ AUTH_SECRET: SECRET });
    const granted = await sse(`topic=pusher.app1.private-orders&token=${jwt({ sub: 'a', herald: { subscribe: ['pusher.app1.private-orders'] } })}`);
    expect(granted.status).toBe(200);
    granted.close();
    const other = await sse(`topic=pusher.app1.private-orders&token=${jwt({ sub: 'a', herald: { subscribe: ['pusher.app1.orders'] } })}`);
    expect(other.status).toBe(403);
  });
});

describe('publishing', () => {
  it('stamps a chat.<room> publish from the token user, never from the body', async () => {
    server = await startServer({ AUTH_SECRET: SECRET });
    const auth = { authorization: `Bearer ${jwt({ sub: 'bob', name: 'Bob', herald: { rooms: ['board'], publish: ['chat.board'] } })}` };
    const spoof = await postPublish(server.url, { topic: 'chat.board', data: { text: 'hi', from: { id: 'ceo', name: 'CEO' } } }, auth);
    expect(spoof.status).toBe(400);
    const ok = await postPublish(server.url, { topic: 'chat.board', data: { text: 'hi' } }, auth);
    expect(ok.status).toBe(202);
    const [stored] = (await server.bus.history(chatTopic('board'))).events;
    expect(JSON.parse(stored!.data)).toMatchObject({ room: 'board', from: { id: 'bob', name: 'Bob' }, text: 'hi' });
  });

  it('refuses a topic outside the publish right (403) and no token (401); the operator publishes as system', async () => {
    server = await startServer({ AUTH_SECRET: SECRET, PUBLISH_TOKEN });
    const limited = { authorization: `Bearer ${jwt({ sub: 'bob', herald: { publish: ['news'] } })}` };
    expect((await postPublish(server.url, { topic: 'alerts', data: 1 }, limited)).status).toBe(403);
    expect((await postPublish(server.url, [{ topic: 'news', data: 1 }, { topic: 'alerts', data: 2 }], limited)).status).toBe(403);
    expect((await server.bus.history('news')).events).toEqual([]);
    expect((await postPublish(server.url, { topic: 'news', data: 1 })).status).toBe(401);
    const operator = await postPublish(server.url, { topic: 'chat.lobby', data: { text: 'notice' } }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(operator.status).toBe(202);
    const [stored] = (await server.bus.history(chatTopic('lobby'))).events;
    expect(JSON.parse(stored!.data)).toMatchObject({ from: { id: 'system', name: 'system' }, text: 'notice' });
  });

  it('without any token configured, refuses a loopback publish that comes from a web page', async () => {
    server = await startServer();
    const page = await postPublish(server.url, { topic: 'news', data: 1 }, { origin: 'https://evil.example' });
    expect(page.status).toBe(403);
    expect(page.body).toMatchObject({ error: { code: 'forbidden' } });
    expect((await postPublish(server.url, { topic: 'news', data: 1 })).status).toBe(202);
    // A page served from this machine (the demo) may; a file:// page (Origin null) may not.
    expect((await postPublish(server.url, { topic: 'news', data: 2 }, { origin: 'http://localhost:5173' })).status).toBe(202);
    expect((await postPublish(server.url, { topic: 'news', data: 3 }, { origin: 'http://127.0.0.1:8000' })).status).toBe(202);
    expect((await postPublish(server.url, { topic: 'news', data: 4 }, { origin: 'null' })).status).toBe(403);
    expect((await postPublish(server.url, { topic: 'news', data: 5 }, { origin: 'http://localhost.evil.example' })).status).toBe(403);
  });

  it('with CORS_ORIGINS, only the listed origins may publish from a page', async () => {
    server = await startServer({ CORS_ORIGINS: 'https://app.example' });
    expect((await postPublish(server.url, { topic: 'news', data: 1 }, { origin: 'https://app.example' })).status).toBe(202);
    expect((await postPublish(server.url, { topic: 'news', data: 1 }, { origin: 'http://localhost:5173' })).status).toBe(403);
  });
});

describe('limits', () => {
  it('refuses a stream past MAX_TOPICS with a clear 503 and counts it; existing streams are untouched', async () => {
    server = await startServer({ MAX_TOPICS: '2' });
    const first = await sse('topic=a&topic=b');
    expect(first.status).toBe(200);
    const refused = await sse('topic=c');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/MAX_TOPICS/) } });
    expect((await server.metrics.limitRefusals.get()).values).toEqual([expect.objectContaining({ labels: { limit: 'topics' }, value: 1 })]);
    await server.bus.publish('a', '{"still":"live"}');
    await waitUntil(() => first.events.length === 1, { message: 'the live event' });
    first.close();
  });
});
