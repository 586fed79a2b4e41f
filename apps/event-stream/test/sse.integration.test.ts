import { isId } from '@herald/protocol';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { postPublish, rawRequest, SseReader, waitUntil } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(closeAll);

describe('GET /sse', () => {
  it('answers with the SSE headers, CORS, and the retry line first', async () => {
    server = await startServer({ RETRY_MS: '1234' });
    const reader = await SseReader.open(`${server.url}/sse?topic=news`, { origin: 'http://page.test' });
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(reader.headers['cache-control']).toBe('no-cache');
    expect(reader.headers['connection']).toBe('keep-alive');
    expect(reader.headers['x-accel-buffering']).toBe('no');
    expect(reader.headers['access-control-allow-origin']).toBe('*');
    await waitUntil(() => reader.raw.length > 0, { message: 'the first bytes' });
    expect(reader.raw.startsWith('retry: 1234\n\n')).toBe(true);
    expect(reader.retries).toEqual([1234]);
    reader.close();
  });

  it('round-trips multi-line and unicode data with ids and event names', async () => {
    server = await startServer();
    const reader = await SseReader.open(`${server.url}/sse/?topic=chat`);
    const multiLine = 'first line\nsecond line\r\nthird: ünïcödé 中文 🎉\n';
    const raw = await server.bus.publish('chat', multiLine, { event: 'note' });
    const payload = { text: 'Grüße — 你好 👋', lines: 'a\nb', quote: '"' };
    const answer = await postPublish(server.url, { topic: 'chat', data: payload });
    expect(answer.status).toBe(202);

    const events = await reader.waitForEvents(2);
    expect(events[0]).toEqual({ id: raw.id, event: 'note', data: multiLine.replace(/\r\n/g, '\n') });
    expect(events[1]!.id).toBe(answer.body.id);
    expect(events[1]!.event).toBeUndefined();
    expect(JSON.parse(events[1]!.data)).toEqual(payload);
    expect(isId(events[1]!.id)).toBe(true);
    reader.close();
  });

  it('takes topics repeated and as a comma list, and delivers only those', async () => {
    server = await startServer();
    const reader = await SseReader.open(`${server.url}/sse?topic=a,b&topic=c`);
    await waitUntil(() => server!.app.sseHub.stats().topics === 3, { message: 'three subscribed topics' });
    for (const topic of ['a', 'x', 'b', 'c']) await server.bus.publish(topic, JSON.stringify(topic));
    const events = await reader.waitForEvents(3);
    expect(events.map((e) => JSON.parse(e.data))).toEqual(['a', 'b', 'c']);
    reader.close();
  });

  it('gives a stream of several topics a burst in id order, and one-topic streams only theirs', async () => {
    server = await startServer();
    const paths = ['a', 'a,b', 'b,a,c', 'c'].map((t) => `${server!.url}/sse?topic=${t}`);
    const [onlyA, ab, bac, onlyC] = await Promise.all(paths.map((p) => SseReader.open(p)));
    await waitUntil(() => server!.app.sseHub.stats().listeners === 7, { message: 'all subscriptions' });
    // Not awaited one by one: the whole burst lands in one event-loop turn, one batch per topic.
    const burst = await Promise.all(['a', 'b', 'c', 'a', 'b', 'a', 'c'].map((t, i) => server!.bus.publish(t, String(i))));
    const idsOf = (...topics: string[]) => burst.filter((e) => topics.includes(e.topic)).map((e) => e.id);
    await Promise.all([onlyA!.waitForEvents(3), ab!.waitForEvents(5), bac!.waitForEvents(7), onlyC!.waitForEvents(2)]);
    expect(onlyA!.ids).toEqual(idsOf('a'));
    expect(ab!.ids).toEqual(idsOf('a', 'b'));
    expect(bac!.ids).toEqual(burst.map((e) => e.id));
    expect(onlyC!.ids).toEqual(idsOf('c'));
    for (const reader of [onlyA, ab, bac, onlyC]) reader!.close();
  });

  it('sends a comment heartbeat every HEARTBEAT_MS', async () => {
    server = await startServer({ HEARTBEAT_MS: '100' });
    const reader = await SseReader.open(`${server.url}/sse?topic=quiet`);
    await waitUntil(() => reader.comments.length >= 2, { message: 'two heartbeats' });
    expect(reader.comments.every((c) => c.trim() === 'ping')).toBe(true);
    expect(reader.raw).toContain(': ping\n\n');
    expect(reader.events).toEqual([]);
    reader.close();
  });

  it('works with the eventsource client, which resumes by itself after the stream ends', async () => {
    server = await startServer({ RETRY_MS: '50' });
    const es = new EventSource(`${server.url}/sse?topic=live`);
    const got: Array<{ id: string; data: string }> = [];
    es.onmessage = (e) => got.push({ id: e.lastEventId, data: e.data });
    let opens = 0;
    es.onopen = () => (opens += 1);
    try {
      await waitUntil(() => opens === 1, { message: 'the first open' });
      const first = await server.bus.publish('live', JSON.stringify({ n: 1, s: 'é\u2028' }));
      await waitUntil(() => got.length === 1, { message: 'the first event' });
      // What a drain does to this instance's streams: the client comes back with Last-Event-ID.
      server.app.sseHub.endAll();
      const second = await server.bus.publish('live', JSON.stringify({ n: 2 }));
      await waitUntil(() => got.length === 2, { message: 'the missed event after the reconnect' });
      const third = await server.bus.publish('live', JSON.stringify({ n: 3 }));
      await waitUntil(() => got.length === 3, { message: 'a live event after the reconnect' });
      expect(opens).toBe(2);
      expect(got.map((g) => g.id)).toEqual([first.id, second.id, third.id]);
      expect(JSON.parse(got[0]!.data)).toEqual({ n: 1, s: 'é\u2028' });
    } finally {
      es.close();
    }
  });

  it('has no HEAD twin that would hold a bodiless stream open', async () => {
    server = await startServer();
    const answer = await rawRequest(`${server.url}/sse`, { method: 'HEAD' });
    expect(answer.status).toBe(404);
    expect(server.app.sseHub.stats().streams).toBe(0);
  });

  it.each([
    ['a bad topic', '/sse?topic=ok,no%20spaces', {}, 'no spaces'],
    ['an empty topic', '/sse?topic=', {}, '""'],
    ['too many topics', `/sse?topic=${Array.from({ length: 33 }, (_, i) => `t${i}`).join(',')}`, {}, 'at most 32'],
    ['a garbage Last-Event-ID', '/sse', { 'last-event-id': 'not-an-id' }, 'Last-Event-ID'],
    ['an oversize Last-Event-ID', '/sse', { 'last-event-id': `${'1'.repeat(4000)}-0` }, 'Last-Event-ID'],
    ['a garbage lastEventId', '/sse?lastEventId=abc', {}, 'lastEventId'],
  ])('answers %s with a JSON 400 and opens no stream', async (_what, path, headers, mention) => {
    server = await startServer();
    const reader = await SseReader.open(`${server.url}${path}`, headers as Record<string, string>);
    expect(reader.status).toBe(400);
    expect(reader.headers['content-type']).toMatch(/^application\/json/);
    const body = (await reader.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toContain(mention);
    expect(server.app.sseHub.stats().streams).toBe(0);
  });
});
