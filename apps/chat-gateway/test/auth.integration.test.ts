import { afterEach, describe, expect, it } from 'vitest';
import { ChatTestClient, signHs256, upgradeStatus } from '@herald/testkit';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

const SECRET = 'test-secret-0123456789-0123456789-ab';
let gateway: TestGateway | undefined;

afterEach(closeAll);

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('JWT auth (AUTH_SECRET set)', () => {
  it('accepts a valid token in ?token= and takes the user from sub and name', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const token = signHs256({ sub: 'u-42', name: 'Ann', exp: inAnHour() }, SECRET);
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?token=${token}&name=ignored`);
    expect(await c.next('welcome')).toMatchObject({ user: { id: 'u-42', name: 'Ann' } });
  });

  it('accepts a token in an Authorization header', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const token = signHs256({ sub: 'u-7', exp: inAnHour() }, SECRET);
    const c = await ChatTestClient.connect(`${gateway.ws}/ws`, { headers: { authorization: `Bearer ${token}` } });
    expect(await c.next('welcome')).toMatchObject({ user: { id: 'u-7', name: 'u-7' } });
  });

  it.each([
    ['a missing token', () => '', /missing token/],
    ['a bad signature', () => signHs256({ sub: 'u1', exp: inAnHour() }, 'another-secret-0123456789-0123456789'), /invalid token/],
    ['an expired token', () => signHs256({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET), /expired/],
    ['garbage', () => 'not.a.jwt', /invalid token/],
    ['a token without sub', () => signHs256({ name: 'x', exp: inAnHour() }, SECRET), /sub/],
    ['a token without exp', () => signHs256({ sub: 'u1' }, SECRET), /exp/],
    ['a token expired 2 s ago', () => signHs256({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 2 }, SECRET), /expired/],
    ['an iat ten years ahead', () => signHs256({ sub: 'u1', exp: inAnHour() + 10 * 365 * 86400, iat: inAnHour() + 10 * 365 * 86400 }, SECRET), /iat/],
    ['a sub with a lone surrogate', () => signHs256({ sub: 'x\ud800', exp: inAnHour() }, SECRET), /sub/],
  ])('refuses %s with 401 before the upgrade', async (_what, token, message) => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const t = token();
    const { status, body } = await upgradeStatus(`${gateway.ws}/ws${t ? `?token=${t}` : ''}`);
    expect(status).toBe(401);
    expect(JSON.parse(body)).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(message) } });
    expect((await gateway.metrics.connections.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('refuses an unsigned (alg none) token', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'root' })}.`;
    expect((await upgradeStatus(`${gateway.ws}/ws?token=${token}`)).status).toBe(401);
  });

  it('guards raw mode too', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    expect((await upgradeStatus(`${gateway.ws}/`)).status).toBe(401);
    const token = signHs256({ sub: 'u1', exp: inAnHour() }, SECRET);
    expect((await upgradeStatus(`${gateway.ws}/?token=${token}`)).status).toBe(101);
  });
});

describe('identity without auth', () => {
  it('refuses a bad ?name= with 400 before the upgrade', async () => {
    gateway = await startGateway();
    const { status, body } = await upgradeStatus(`${gateway.ws}/ws?name=${'x'.repeat(65)}`);
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/name/) } });
    expect((await upgradeStatus(`${gateway.ws}/ws?name=a%0Ab`)).status).toBe(400);
  });

  it('makes a client without ?name= anonymous', async () => {
    gateway = await startGateway();
    const c = await ChatTestClient.connect(`${gateway.ws}/ws`);
    expect(await c.next('welcome')).toMatchObject({ user: { name: 'anonymous', id: expect.stringMatching(/^anonymous-/) } });
  });
});

describe('origin check', () => {
  it('refuses an origin not in CORS_ORIGINS with 403, on both routes', async () => {
    gateway = await startGateway({ CORS_ORIGINS: 'https://chat.example' });
    const refused = await upgradeStatus(`${gateway.ws}/ws?name=a`, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/evil\.example/) } });
    expect((await upgradeStatus(`${gateway.ws}/`, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await upgradeStatus(`${gateway.ws}/ws?name=a`, { origin: 'https://chat.example' })).status).toBe(101);
    expect((await upgradeStatus(`${gateway.ws}/ws?name=a`)).status).toBe(101);
  });

  it('allows any origin by default', async () => {
    gateway = await startGateway();
    expect((await upgradeStatus(`${gateway.ws}/ws?name=a`, { origin: 'https://anywhere.example' })).status).toBe(101);
  });

  it('answers a plain GET on the WebSocket routes with 426', async () => {
    gateway = await startGateway();
    const res = await fetch(`${gateway.http}/ws`);
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
  });
});

describe('HTTP refusals share the one error shape', () => {
  it('answers a plain GET of a WebSocket route with 426 and an unknown path with 404', async () => {
    gateway = await startGateway();
    const plain = await fetch(`${gateway.http}/ws`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get('upgrade')).toBe('websocket');
    expect(await plain.json()).toEqual({ error: { code: 'upgrade_required', message: expect.stringMatching(/\/ws/) } });
    const missing = await fetch(`${gateway.http}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nowhere' } });
  });
});
