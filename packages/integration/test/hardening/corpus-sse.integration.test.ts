import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHttpCases, runRawCases } from './http-runner.js';
import { startStream, type InProcess } from './in-process.js';
import { PUBLISH_TOPIC, rawCorpus, sseCorpus, type HttpCase } from './sse-corpus.js';
import { SseReader, waitUntil } from '@herald/testkit';

const MAX_MESSAGE_BYTES = 65_536;
const cases = sseCorpus(MAX_MESSAGE_BYTES);
const raw = rawCorpus();

/** The `data` each accepted publish to PUBLISH_TOPIC puts on the stream, as JSON text. */
function acceptedData(all: HttpCase[]): string[] {
  return all.flatMap((c) => {
    if (c.expect.status !== 202 || c.body === undefined) return [];
    const body = JSON.parse(c.body) as { data: unknown } | Array<{ data: unknown }>;
    return (Array.isArray(body) ? body : [body]).map((item) => JSON.stringify(item.data));
  });
}

describe('event stream: malformed-input corpus (in process)', () => {
  let stream: InProcess;
  let bystander: SseReader;
  let acked: string[] = [];

  beforeAll(async () => {
    stream = await startStream({ MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) });
    bystander = await SseReader.resume(`${stream.http}/sse?topic=${PUBLISH_TOPIC}`);
    expect(bystander.status).toBe(200);
  });

  afterAll(async () => {
    bystander?.close();
    await stream?.close();
  });

  it(`answers each of the ${cases.length} HTTP cases with its documented status and error code`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(450);
    const { failures, ids } = await runHttpCases(stream.http, cases);
    acked = ids;
    console.log(`event-stream corpus: ${cases.length} HTTP cases, ${failures.length} failures`);
    expect(failures).toEqual([]);
  });

  it(`answers each of the ${raw.length} hand-written raw requests (HTTP parser level) with its status`, async () => {
    const failures = await runRawCases(stream.port, raw);
    expect(failures).toEqual([]);
  });

  it('after the corpus: /healthz 200; the subscriber got exactly the accepted publishes, intact, and one sent afterwards', async () => {
    expect((await fetch(`${stream.http}/healthz`)).status).toBe(200);
    const late = await fetch(`${stream.http}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: PUBLISH_TOPIC, data: 'after the corpus' }),
    });
    expect(late.status).toBe(202);
    const lateId = ((await late.json()) as { id: string }).id;
    await waitUntil(() => bystander.events.some((e) => e.id === lateId), { timeoutMs: 20_000, message: 'the late event' });

    const expected = [...acceptedData(cases), '"after the corpus"'];
    expect(bystander.events.map((e) => e.data).sort()).toEqual(expected.sort());
    expect(bystander.events.map((e) => e.id).sort()).toEqual([...acked, lateId].sort());
    // Data that looks like SSE fields stayed one event; only the valid event name was used.
    const injected = bystander.events.filter((e) => e.data.includes('injected'));
    expect(injected).toHaveLength(1);
    expect(JSON.parse(injected[0]!.data)).toBe('x\n\ndata: injected\nid: 1-1\nevent: reset\n\n');
    expect(bystander.events.filter((e) => e.event !== undefined).map((e) => e.event)).toEqual(['a.b:c-d_e']);
    expect(bystander.ended).toBe(false);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('event stream: publish auth (in process)', () => {
  const token = 'hx-publish-token-0123456789';
  const attempts: Array<[string, Record<string, string>, number]> = [
    ['no Authorization', {}, 401],
    ['"Bearer" alone', { authorization: 'Bearer' }, 401],
    ['"Bearer " and nothing', { authorization: 'Bearer ' }, 401],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789' }, 401],
    ['the token with one more character', { authorization: `Bearer ${token}x` }, 401],
    ['a prefix of the token', { authorization: `Bearer ${token.slice(0, -1)}` }, 401],
    ['the token in upper case', { authorization: `Bearer ${token.toUpperCase()}` }, 401],
    ['the token twice', { authorization: `Bearer ${token} ${token}` }, 401],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }, 401],
    ['the token as a bare value', { authorization: token }, 401],
    ['the token in X-Forwarded-For (ignored)', { 'x-forwarded-for': token }, 401],
    ['the right token', { authorization: `Bearer ${token}` }, 202],
    ['the right token, scheme in lower case', { authorization: `bearer ${token}` }, 202],
  ];

  it('refuses every wrong or missing token with 401 unauthorized and takes the right one', async () => {
    const stream = await startStream({ PUBLISH_TOKEN: token });
    try {
      const body = JSON.stringify({ topic: 'hx-auth', data: 1 });
      for (const [name, headers, status] of attempts) {
        const res = await fetch(`${stream.http}/publish`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        const json = (await res.json()) as { error?: { code: string } };
        expect({ name, status: res.status }).toEqual({ name, status });
        if (status === 401) expect(json.error?.code).toBe('unauthorized');
      }
      const viaQuery = await fetch(`${stream.http}/publish?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(viaQuery.status).toBe(401);
    } finally {
      await stream.close();
    }
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
  if (external === undefined) console.log('skipping the non-loopback publish case: this machine has no external IPv4 address');

  it.skipIf(external === undefined)('without PUBLISH_TOKEN refuses a caller that is not on loopback with 403, whatever X-Forwarded-For says', async () => {
    // Bound to the machine's own external address, so the caller's address is that, not 127.0.0.1.
    const stream = await startStream({}, undefined, external);
    try {
      const res = await fetch(`http://${external}:${stream.port}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' },
        body: JSON.stringify({ topic: 'hx-auth', data: 1 }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    } finally {
      await stream.close();
    }
  });
});
