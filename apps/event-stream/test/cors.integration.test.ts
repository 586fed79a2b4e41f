import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest, SseReader } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(closeAll);

function preflight(url: string, origin: string, method = 'POST', headers = 'content-type,authorization') {
  return rawRequest(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

function allowedHeaders(value: unknown): string[] {
  return String(value)
    .split(',')
    .map((h) => h.trim().toLowerCase());
}

describe('CORS', () => {
  it('by default allows any origin, without credentials', async () => {
    server = await startServer();
    const answer = await preflight(`${server.url}/publish`, 'http://anywhere.test');
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    expect(allowedHeaders(answer.headers['access-control-allow-headers'])).toEqual(
      expect.arrayContaining(['last-event-id', 'content-type', 'authorization']),
    );
    expect(answer.headers['access-control-expose-headers']).toBeUndefined();

    const sse = await preflight(`${server.url}/sse?topic=a`, 'http://anywhere.test', 'GET', 'last-event-id');
    expect(sse.status).toBe(204);
    expect(allowedHeaders(sse.headers['access-control-allow-headers'])).toContain('last-event-id');
  });

  it('with CORS_ORIGINS reflects only listed origins, with credentials, never *', async () => {
    server = await startServer({ CORS_ORIGINS: 'http://a.test,https://b.test:8443' });
    for (const origin of ['http://a.test', 'https://b.test:8443']) {
      const answer = await preflight(`${server.url}/publish`, origin);
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
      expect(answer.headers['access-control-allow-credentials']).toBe('true');
      expect(String(answer.headers['vary'])).toMatch(/origin/i);
    }
    const stranger = await preflight(`${server.url}/publish`, 'http://evil.test');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();

    // The stream is a hijacked reply: its CORS headers are carried over by hand.
    const listed = await SseReader.open(`${server.url}/sse?topic=a`, { origin: 'http://a.test' });
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('http://a.test');
    expect(listed.headers['access-control-allow-credentials']).toBe('true');
    listed.close();
    const unlisted = await SseReader.open(`${server.url}/sse?topic=a`, { origin: 'http://evil.test' });
    expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();
    unlisted.close();

    const answer = await rawRequest(`${server.url}/healthz`, { headers: { origin: 'http://evil.test' } });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});
