import { compareIds } from '@herald/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue, postPublish, rawRequest, SseReader } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(closeAll);

const TOKEN = 'publish-token-0123456789';

type ErrorJson = { error: { code: string; message: string } };

describe('POST /publish', () => {
  it('publishes one event (202 {id}) and a batch in order (202 {ids}) to open streams', async () => {
    server = await startServer();
    const reader = await SseReader.open(`${server.url}/sse?topic=news,sport`);
    const one = await postPublish(server.url, { topic: 'news', data: { headline: 'Ünïcode ✓' }, event: 'headline' });
    expect(one).toEqual({ status: 202, body: { id: expect.any(String) } });
    const batch = await postPublish(server.url, [
      { topic: 'sport', data: 1 },
      { topic: 'news', data: [true, null] },
      { topic: 'sport', data: 'three' },
    ]);
    expect(batch.status).toBe(202);
    const ids = batch.body.ids!;
    expect(ids).toHaveLength(3);
    expect(compareIds(ids[0]!, ids[1]!)).toBeLessThan(0);
    expect(compareIds(ids[1]!, ids[2]!)).toBeLessThan(0);

    const events = await reader.waitForEvents(4);
    expect(events.map((e) => e.id)).toEqual([one.body.id, ...ids]);
    expect(events[0]!.event).toBe('headline');
    expect(events.map((e) => JSON.parse(e.data))).toEqual([{ headline: 'Ünïcode ✓' }, 1, [true, null], 'three']);
    expect(await metricValue(server.metrics, 'herald_messages_in_total')).toBe(4);
    reader.close();
  });

  it('without PUBLISH_TOKEN: loopback may publish, anyone else gets 403', async () => {
    server = await startServer();
    const local = await server.app.inject({ method: 'POST', url: '/publish', remoteAddress: '127.0.0.1', payload: { topic: 't', data: 1 } });
    expect(local.statusCode).toBe(202);
    const v6 = await server.app.inject({ method: 'POST', url: '/publish', remoteAddress: '::1', payload: { topic: 't', data: 1 } });
    expect(v6.statusCode).toBe(202);
    const remote = await server.app.inject({
      method: 'POST',
      url: '/publish',
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-for': '127.0.0.1' },
      payload: { topic: 't', data: 1 },
    });
    expect(remote.statusCode).toBe(403);
    expect(remote.json<ErrorJson>().error.code).toBe('forbidden');
    expect((await server.bus.history('t')).events).toHaveLength(2);
  });

  it('with PUBLISH_TOKEN: the bearer token is required, from anywhere', async () => {
    server = await startServer({ PUBLISH_TOKEN: TOKEN });
    const ok = await postPublish(server.url, { topic: 't', data: 1 }, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(202);
    const remote = await server.app.inject({
      method: 'POST',
      url: '/publish',
      remoteAddress: '10.0.0.1',
      headers: { authorization: `bearer ${TOKEN}` },
      payload: { topic: 't', data: 2 },
    });
    expect(remote.statusCode).toBe(202);

    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN, 'Bearer', '']) {
      const denied = await postPublish(server.url, { topic: 't', data: 3 }, authorization === '' ? {} : { authorization });
      expect(denied.status).toBe(401);
      expect(denied.body.error!.code).toBe('unauthorized');
    }
    expect((await server.bus.history('t')).events.map((e) => e.data)).toEqual(['1', '2']);
  });

  it('refuses every bad input with a JSON 4xx, publishes nothing, and leaves open streams alone', async () => {
    server = await startServer({ MAX_MESSAGE_BYTES: '1024' });
    const reader = await SseReader.open(`${server.url}/sse?topic=t`);
    const post = (body: string, contentType = 'application/json') =>
      rawRequest(`${server!.url}/publish`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const cases: Array<[string, Promise<{ status: number; body: string; headers: Record<string, unknown> }>, number, string]> = [
      ['bad JSON', post('{"topic":'), 400, 'bad_request'],
      ['bad topic', post('{"topic":"no spaces","data":1}'), 400, 'bad_request'],
      ['event with a newline', post('{"topic":"t","data":1,"event":"a\\nid: 9-9"}'), 400, 'bad_request'],
      ['missing data', post('{"topic":"t"}'), 400, 'bad_request'],
      ['empty body', post(''), 400, 'bad_request'],
      ['an array of junk', post('[1,2]'), 400, 'bad_request'],
      ['too large', post(JSON.stringify({ topic: 't', data: 'x'.repeat(2000) })), 413, 'too_large'],
      ['wrong content type', post('{"topic":"t","data":1}', 'text/plain'), 415, 'unsupported_media_type'],
      ['form content type', post('topic=t&data=1', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type'],
    ];
    for (const [what, answer, status, code] of cases) {
      const { status: got, body, headers } = await answer;
      expect(got, what).toBe(status);
      expect(headers['content-type'], what).toMatch(/^application\/json/);
      const parsed = JSON.parse(body) as ErrorJson;
      expect(parsed.error.code, what).toBe(code);
      expect(parsed.error.message.length, what).toBeGreaterThan(0);
    }
    expect((await server.bus.history('t')).events).toEqual([]);
    expect(await metricValue(server.metrics, 'herald_messages_dropped_total')).toBe(cases.length);

    const good = await postPublish(server.url, { topic: 't', data: 'still fine' });
    const [event] = await reader.waitForEvents(1);
    expect(event!.id).toBe(good.body.id);
    expect(reader.ended).toBe(false);
    reader.close();
  });

  it('answers unknown routes with the same JSON error shape', async () => {
    server = await startServer();
    const answer = await rawRequest(`${server.url}/nope?token=secret`);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
  });
});
