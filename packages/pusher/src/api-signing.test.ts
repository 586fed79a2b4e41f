import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Pusher from 'pusher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signApiRequest, verifyApiRequest, type ApiRequest } from './api-signing.js';
import type { PusherApp } from './apps.js';

const app: PusherApp = { id: '7', key: 'api-key', secret: 'api-secret-xyz' };

interface Captured {
  method: string;
  path: string;
  query: string;
  body: string;
}

// The SDK's real requests, captured by a throwaway local server.
const captured: Captured[] = [];
const server = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const [path = '', query = ''] = (req.url ?? '').split('?', 2);
    captured.push({ method: req.method ?? '', path, query, body: Buffer.concat(chunks).toString('utf8') });
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
});
let sdk: Pusher;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  sdk = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1', port: String(port), useTLS: false });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function capture(send: () => Promise<unknown>): Promise<ApiRequest> {
  captured.length = 0;
  await send();
  const request = captured[0];
  if (!request) throw new Error('the SDK sent nothing');
  return request;
}

describe('verifyApiRequest on requests the pusher SDK sends', () => {
  it('accepts trigger to several channels with socket_id', async () => {
    const request = await capture(() => sdk.trigger(['a', 'b'], 'created', { id: 1 }, { socket_id: '1.2' }));
    expect(request).toMatchObject({ method: 'POST', path: '/apps/7/events' });
    expect(JSON.parse(String(request.body))).toEqual({ name: 'created', data: '{"id":1}', channels: ['a', 'b'], socket_id: '1.2' });
    expect(verifyApiRequest(app, request, Date.now())).toEqual({ ok: true });
  });

  it('accepts triggerBatch, terminateUserConnections and signed GETs with parameters', async () => {
    const batch = await capture(() => sdk.triggerBatch(Array.from({ length: 10 }, (_, i) => ({ channel: `c${i}`, name: 'e', data: { i } }))));
    expect(batch.path).toBe('/apps/7/batch_events');
    expect(verifyApiRequest(app, batch, Date.now())).toEqual({ ok: true });
    const terminate = await capture(() => sdk.terminateUserConnections('u1'));
    expect(terminate.path).toBe('/apps/7/users/u1/terminate_connections');
    expect(verifyApiRequest(app, terminate, Date.now())).toEqual({ ok: true });
    const channels = await capture(() => sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count,subscription_count' } }));
    expect(channels).toMatchObject({ method: 'GET', path: '/apps/7/channels', body: '' });
    expect(verifyApiRequest(app, channels, Date.now())).toEqual({ ok: true });
    const users = await capture(() => sdk.get({ path: '/channels/presence-a@b/users' }));
    expect(verifyApiRequest(app, users, Date.now())).toEqual({ ok: true });
  });

  it('accepts the parsed query a framework gives as well as the raw one', async () => {
    const request = await capture(() => sdk.get({ path: '/channels', params: { info: 'user_count' } }));
    const parsed = Object.fromEntries(new URLSearchParams(String(request.query)));
    expect(verifyApiRequest(app, { ...request, query: parsed }, Date.now())).toEqual({ ok: true });
  });

  it('refuses a tampered body, path, parameter or signature, and a stale timestamp', async () => {
    const request = await capture(() => sdk.trigger('a', 'created', { id: 1 }));
    const now = Date.now();
    const refused = (changed: ApiRequest, at = now) => {
      const result = verifyApiRequest(app, changed, at);
      return result.ok ? 'ok' : result.code;
    };
    expect(refused({ ...request, body: String(request.body).replace('1', '2') })).toBe('bad_body_md5');
    expect(refused({ ...request, path: '/apps/8/events' })).toBe('bad_signature');
    expect(refused({ ...request, method: 'PUT' })).toBe('bad_signature');
    expect(refused({ ...request, query: `${String(request.query)}&socket_id=1.2` })).toBe('bad_signature');
    // Flip the first hex digit to a different one (replacing it by a fixed '0' is a no-op one time in 16).
    const flipped = String(request.query).replace(/auth_signature=(.)/, (_, c: string) => `auth_signature=${c === '0' ? '1' : '0'}`);
    expect(flipped).not.toBe(String(request.query));
    expect(refused({ ...request, query: flipped })).toBe('bad_signature');
    expect(refused(request, now + 601_000)).toBe('stale_timestamp');
    expect(refused(request, now - 601_000)).toBe('stale_timestamp');
    expect(refused(request, now + 590_000)).toBe('ok');
  });

  it('refuses a forged signature from another secret, naming what to sign', async () => {
    const forger = new Pusher({ appId: app.id, key: app.key, secret: 'wrong-secret', host: '127.0.0.1' });
    const query = forger.createSignedQueryString({ method: 'GET', path: '/apps/7/channels' });
    const result = verifyApiRequest(app, { method: 'GET', path: '/apps/7/channels', query }, Date.now());
    expect(result).toMatchObject({ ok: false, status: 401, code: 'bad_signature' });
    expect(result.ok ? '' : result.message).toMatch(/^Invalid signature: you should have sent HmacSHA256Hex\("GET\\n\/apps\/7\/channels\\nauth_key=api-key&auth_timestamp=\d+&auth_version=1.0", your_secret_key\), but you sent "[0-9a-f]{64}"$/);
  });
});

describe('verifyApiRequest refusals', () => {
  const now = 1_700_000_000_000;
  const signed = (request: { method: string; path: string; params?: Record<string, string>; body?: string }) =>
    ({ method: request.method, path: request.path, query: signApiRequest(app, request, now), body: request.body }) as ApiRequest;

  it('signApiRequest makes requests it accepts', () => {
    expect(verifyApiRequest(app, signed({ method: 'POST', path: '/apps/7/events', body: '{"a":1}' }), now)).toEqual({ ok: true });
  });

  it.each([
    ['auth_key=api-key&auth_timestamp=1700000000&auth_version=1.0', 'missing_parameter', 'Missing parameter: auth_signature'],
    ['auth_timestamp=1700000000&auth_version=1.0&auth_signature=x', 'missing_parameter', 'Missing parameter: auth_key'],
    ['auth_key=other&auth_timestamp=1700000000&auth_version=1.0&auth_signature=x', 'unknown_key', 'Unknown auth_key'],
    ['auth_key=api-key&auth_timestamp=1700000000&auth_version=2.0&auth_signature=x', 'unsupported_version', 'Unsupported auth_version: only 1.0 is supported'],
    ['auth_key=api-key&auth_timestamp=soon&auth_version=1.0&auth_signature=x', 'bad_timestamp', 'auth_timestamp must be seconds since the epoch'],
    ['auth_key=api-key&auth_timestamp=1&auth_version=1.0&auth_signature=x', 'stale_timestamp', 'Timestamp expired: Given timestamp (1) not within 600 of server time (1700000000)'],
    ['auth_key=api-key&auth_key=api-key&auth_timestamp=1700000000&auth_version=1.0&auth_signature=x', 'duplicate_parameter', 'Duplicate parameter: auth_key'],
  ])('%s -> %s', (query, code, message) => {
    expect(verifyApiRequest(app, { method: 'GET', path: '/apps/7/channels', query }, now)).toEqual({ ok: false, status: 401, code, message });
  });

  it('a body needs body_md5', () => {
    const request = signed({ method: 'POST', path: '/apps/7/events' });
    expect(verifyApiRequest(app, { ...request, body: '{"a":1}' }, now)).toMatchObject({ code: 'missing_body_md5' });
  });

  it('body_md5 is over the raw bytes', () => {
    const request = signed({ method: 'POST', path: '/apps/7/events', body: '{"name":"é"}' });
    expect(verifyApiRequest(app, { ...request, body: Buffer.from('{"name":"é"}') }, now)).toEqual({ ok: true });
    expect(verifyApiRequest(app, { ...request, body: Buffer.from('{"name":"e"}') }, now)).toMatchObject({ code: 'bad_body_md5' });
  });
});
