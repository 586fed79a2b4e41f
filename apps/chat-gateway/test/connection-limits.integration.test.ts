import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatTestClient, signHs256, upgradeStatus, waitUntil } from '@herald/testkit';
import { closeAll, startGateway, type TestGateway } from './gateway.js';
import { APP, PUSHER_ENV } from './pusher-client.js';

/**
 * MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_USER and TRUST_PROXY on a real
 * gateway: refusals are 429 in the one error shape before the upgrade, and every
 * way a connection ends gives its slot back. Other source addresses are
 * 127.0.0.x loopback aliases (`localAddress`).
 */

const SECRET = 'test-secret-0123456789-0123456789-ab';
const METRICS_TOKEN = 'metrics-token-0123456789';
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const tokenOf = (sub: string) => signHs256({ sub, exp: inAnHour() }, SECRET);

afterEach(closeAll);

const PER_IP_REFUSAL = {
  error: { code: 'rate_limited', message: 'too many connections from this address (at most 2)' },
};

async function refusalsOf(gateway: TestGateway, limit: string, headers: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${gateway.http}/metrics`, { headers })).text();
  const line = text.split('\n').find((l) => l.startsWith('herald_limit_refusals_total{') && l.includes(`limit="${limit}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A JSON client from `from` (a 127.0.0.x address), welcomed. */
async function open(gateway: TestGateway, query: string, from = '127.0.0.1', path = '/ws'): Promise<ChatTestClient> {
  const client = await ChatTestClient.connect(`${gateway.ws}${path}?${query}`, { localAddress: from });
  if (path === '/ws') await client.next('welcome');
  return client;
}

/** Waits until the gateway has given back every slot (a connection's end is seen a moment after the client's). */
async function allReleased(gateway: TestGateway): Promise<void> {
  await waitUntil(() => gateway.app.connectionLimits.tracked.ips === 0 && gateway.app.connectionLimits.tracked.users === 0, {
    message: 'every connection slot released',
  });
}

describe('MAX_CONNECTIONS_PER_IP', () => {
  it('admits N from one address, refuses N+1 with 429 JSON before the upgrade, and admits again once one closes', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '2' });
    const a = await open(gateway, 'name=a');
    // A raw (seed-mode) client counts per IP like any other.
    const raw = await open(gateway, '', '127.0.0.1', '/');
    const refused = await upgradeStatus(`${gateway.ws}/ws?name=c`);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual(PER_IP_REFUSAL);
    expect((await upgradeStatus(`${gateway.ws}/?name=c`)).status).toBe(429);
    // Another address has its own quota; the same user name from there is not held against it.
    const elsewhere = await open(gateway, 'name=a', '127.0.0.2');
    expect(await refusalsOf(gateway, 'connections_per_ip')).toBe(2);

    await a.close();
    await waitUntil(() => gateway.app.connectionLimits.countOf('ip', '127.0.0.1') === 1, { message: 'a released' });
    const b = await open(gateway, 'name=b');
    expect((await upgradeStatus(`${gateway.ws}/ws?name=d`)).status).toBe(429);
    for (const client of [raw, b, elsewhere]) await client.close();
    await allReleased(gateway);
  });

  it('counts per address across users (auth on)', async () => {
    const gateway = await startGateway({ AUTH_SECRET: SECRET, MAX_CONNECTIONS_PER_IP: '2' });
    await open(gateway, `token=${tokenOf('alice')}`);
    await open(gateway, `token=${tokenOf('bob')}`);
    const refused = await upgradeStatus(`${gateway.ws}/ws?token=${tokenOf('carol')}`);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual(PER_IP_REFUSAL);
    await open(gateway, `token=${tokenOf('carol')}`, '127.0.0.2');
  });
});

describe('the Pusher route /app/{key}', () => {
  it('shares the per-address count with /ws and / (a client cannot spread over routes)', async () => {
    const gateway = await startGateway({ ...PUSHER_ENV, MAX_CONNECTIONS_PER_IP: '2' });
    const pusherUrl = `${gateway.ws}/app/${APP.key}?protocol=7`;
    const pusher = await ChatTestClient.connect(pusherUrl);
    await open(gateway, 'name=a');
    const refused = await upgradeStatus(pusherUrl);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual(PER_IP_REFUSAL);
    expect((await upgradeStatus(`${gateway.ws}/ws?name=b`)).status).toBe(429);
    await pusher.close();
    await waitUntil(() => gateway.app.connectionLimits.countOf('ip', '127.0.0.1') === 1, { message: 'the Pusher socket released' });
    await ChatTestClient.connect(pusherUrl);
    expect(gateway.app.connectionLimits.tracked.users).toBe(0);
  });
});

describe('MAX_CONNECTIONS_PER_USER', () => {
  it('counts a token user across addresses, JSON and raw alike, and counts the refusal on /metrics', async () => {
    const gateway = await startGateway({ AUTH_SECRET: SECRET, MAX_CONNECTIONS_PER_USER: '2', METRICS_TOKEN });
    const alice = tokenOf('alice');
    const first = await open(gateway, `token=${alice}`, '127.0.0.1');
    // Raw `/` with a token is the same user: the cap cannot be bypassed through seed mode.
    await open(gateway, `token=${alice}`, '127.0.0.2', '/');
    for (const path of ['/ws', '/']) {
      const refused = await upgradeStatus(`${gateway.ws}${path}?token=${alice}`, { localAddress: '127.0.0.3' });
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toEqual({
        error: { code: 'rate_limited', message: 'too many connections for this user (at most 2)' },
      });
    }
    // Another user from the same address is not held against alice's quota.
    await open(gateway, `token=${tokenOf('bob')}`, '127.0.0.3');
    expect(await refusalsOf(gateway, 'connections_per_user', { authorization: `Bearer ${METRICS_TOKEN}` })).toBe(2);
    expect(await refusalsOf(gateway, 'connections_per_ip', { authorization: `Bearer ${METRICS_TOKEN}` })).toBe(0);

    await first.close();
    await waitUntil(() => gateway.app.connectionLimits.countOf('user', 'alice') === 1, { message: 'alice released one' });
    await open(gateway, `token=${alice}`, '127.0.0.3');
  });

  it('defaults to 100 with auth on and is off with auth off: a claimed name is never counted', async () => {
    expect((await startGateway({ AUTH_SECRET: SECRET })).config.connectionLimits.perUser).toBe(100);
    const gateway = await startGateway({});
    expect(gateway.config.connectionLimits).toEqual({ perIp: 0, perUser: 0, trustProxy: undefined });
    for (let i = 0; i < 5; i += 1) await open(gateway, 'name=alice', `127.0.0.${i + 1}`);
    expect(gateway.app.connectionLimits.tracked).toEqual({ ips: 0, users: 0 });
    await expect(startGateway({ MAX_CONNECTIONS_PER_USER: '3' })).rejects.toThrow(/MAX_CONNECTIONS_PER_USER: has no effect without AUTH_SECRET/);
  });
});

describe('TRUST_PROXY', () => {
  it('off: X-Forwarded-For is ignored, the socket address counts', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '1' });
    await open(gateway, 'name=a', '127.0.0.1');
    const refused = await upgradeStatus(`${gateway.ws}/ws?name=b`, { headers: { 'x-forwarded-for': '203.0.113.2' } });
    expect(refused.status).toBe(429);
  });

  it('on: the right-most X-Forwarded-For address that is not a trusted proxy counts', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '1', TRUST_PROXY: 'true' });
    const viaProxy = (forwardedFor: string) => ({ headers: { 'x-forwarded-for': forwardedFor } });
    const a = await ChatTestClient.connect(`${gateway.ws}/ws?name=a`, viaProxy('203.0.113.1'));
    await a.next('welcome');
    const b = await ChatTestClient.connect(`${gateway.ws}/ws?name=b`, viaProxy('203.0.113.2'));
    await b.next('welcome');
    expect(gateway.app.connectionLimits.countOf('ip', '203.0.113.1')).toBe(1);
    expect(gateway.app.connectionLimits.countOf('ip', '127.0.0.1')).toBe(0);
    // What the client wrote left of the proxy's entry does not count: 203.0.113.1 is full.
    const forged = await upgradeStatus(`${gateway.ws}/ws?name=c`, viaProxy('198.51.100.9, 203.0.113.1'));
    expect(forged.status).toBe(429);
    // A private hop (another proxy) is skipped to the public address before it.
    expect((await upgradeStatus(`${gateway.ws}/ws?name=d`, viaProxy('203.0.113.2, 10.1.2.3'))).status).toBe(429);
    expect((await upgradeStatus(`${gateway.ws}/ws?name=e`, viaProxy('203.0.113.3'))).status).toBe(101);
  });

  it('on, but only for the listed proxies: a peer not in the list is counted by its own address', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '1', TRUST_PROXY: '127.0.0.2' });
    await ChatTestClient.connect(`${gateway.ws}/ws?name=a`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(gateway.app.connectionLimits.countOf('ip', '127.0.0.1')).toBe(1);
    const proxied = await upgradeStatus(`${gateway.ws}/ws?name=b`, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(proxied.status).toBe(101);
  });
});

describe('every end of a connection gives its slot back, once', () => {
  it('an upgrade that fails after the guard admitted it (ws refuses the handshake)', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '1' });
    // Passes Fastify and the guard (it is an upgrade), then ws refuses the key with 400.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(gateway.http).port), '127.0.0.1', () => {
        socket.write('GET /ws?name=x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13\r\n\r\n');
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await allReleased(gateway);
    await open(gateway, 'name=a');
  });

  it('a socket that goes away before the upgrade completes', async () => {
    const gateway = await startGateway({ AUTH_SECRET: SECRET, MAX_CONNECTIONS_PER_IP: '1', MAX_CONNECTIONS_PER_USER: '1' });
    const port = Number(new URL(gateway.http).port);
    const request =
      `GET /ws?token=${tokenOf('alice')} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    // Gone while the token is being checked, or right after the 101: either way the slot comes back.
    for (let i = 0; i < 10; i += 1) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request, () => socket.destroy()));
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
    }
    await allReleased(gateway);
    await open(gateway, `token=${tokenOf('alice')}`);
  });

  it('a terminated client (no close handshake)', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '2' });
    const a = await open(gateway, 'name=a');
    const b = await open(gateway, 'name=b');
    a.terminate();
    await waitUntil(() => gateway.app.connectionLimits.countOf('ip', '127.0.0.1') === 1, { message: 'a released' });
    await open(gateway, 'name=c');
    b.terminate();
    await waitUntil(() => gateway.app.connectionLimits.countOf('ip', '127.0.0.1') === 1, { message: 'b released' });
  });

  it('a dead peer the liveness sweep terminates', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '1', HEARTBEAT_MS: '200' });
    const dead = await ChatTestClient.connect(`${gateway.ws}/ws?name=dead`, { autoPong: false });
    expect(gateway.app.connectionLimits.countOf('ip', '127.0.0.1')).toBe(1);
    expect((await dead.closed).code).toBe(1006);
    await allReleased(gateway);
    await open(gateway, 'name=next');
  });

  it('a drain, including a peer the gateway terminates after the grace period', async () => {
    const gateway = await startGateway({ MAX_CONNECTIONS_PER_IP: '3' }, { drainGraceMs: 200 });
    await open(gateway, 'name=a');
    await open(gateway, '', '127.0.0.1', '/');
    const stuck = await open(gateway, 'name=stuck', '127.0.0.2');
    // It never reads the close frame, so the gateway terminates its socket.
    stuck.ws.pause();
    await gateway.close();
    await allReleased(gateway);
  });

  it('leaves no entry behind after many connections from many addresses', async () => {
    const gateway = await startGateway({ AUTH_SECRET: SECRET, MAX_CONNECTIONS_PER_IP: '5' });
    for (let i = 1; i <= 20; i += 1) {
      const client = await open(gateway, `token=${tokenOf(`user-${i}`)}`, `127.0.0.${i}`);
      await client.close();
    }
    await allReleased(gateway);
  });
});
