import { ChatTestClient, signHs256, sleep, upgradeStatus } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

// Access control, contract v2: rooms by the token's herald.rooms, refresh, expiry.
const SECRET = 'access-secret-0123456789-0123456789';
const nowS = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>) => signHs256({ exp: nowS() + 3600, ...claims }, SECRET);

let gateway: TestGateway;
afterEach(closeAll);

async function connect(claims: Record<string, unknown>): Promise<ChatTestClient> {
  return ChatTestClient.connect(`${gateway.ws}/ws?token=${token(claims)}`);
}

describe('rooms by the token (herald.rooms)', () => {
  it('joins an allowed room and refuses another with forbidden, nothing else changed', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const alice = await connect({ sub: 'alice', herald: { rooms: ['team-*'] } });
    await alice.next('welcome');
    alice.send({ type: 'join', room: 'board-private' });
    expect(await alice.next('error')).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/board-private/) });
    expect(await alice.joinRoom('team-a')).toMatchObject({ room: 'team-a' });
    expect(await gateway.bus.presence.members('board-private')).toEqual([]);
  });

  it('uses AUTH_DEFAULT_ROOMS for a token without herald.rooms', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET, AUTH_DEFAULT_ROOMS: 'lobby' });
    const bob = await connect({ sub: 'bob' });
    await bob.next('welcome');
    bob.send({ type: 'join', room: 'elsewhere' });
    expect(await bob.next('error')).toMatchObject({ code: 'forbidden' });
    expect(await bob.joinRoom('lobby')).toMatchObject({ room: 'lobby' });
  });

  it('refuses seed mode (lobby only) before the upgrade when the token may not join lobby', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const refused = await upgradeStatus(`${gateway.ws}/?token=${token({ sub: 'x', herald: { rooms: ['team-*'] } })}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/lobby/) } });
    expect((await upgradeStatus(`${gateway.ws}/?token=${token({ sub: 'y' })}`)).status).toBe(101);
  });

  it('reads a percent-encoded ?%74oken= as the token, not as something else', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?%74oken=${token({ sub: 'enc' })}`);
    expect(await c.next('welcome')).toMatchObject({ user: { id: 'enc' } });
  });
});

describe('expiry and refresh', () => {
  it('says exp (ms) in the welcome', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const exp = nowS() + 600;
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?token=${signHs256({ sub: 'a', exp }, SECRET)}`);
    expect(await c.next('welcome')).toMatchObject({ exp: exp * 1000 });
  });

  it('closes with 4401 at exp without a refresh', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?token=${signHs256({ sub: 'a', exp: nowS() + 2 }, SECRET)}`);
    await c.next('welcome');
    expect((await c.closed).code).toBe(4401);
  });

  it('a refresh moves exp, and leaves the rooms the new token no longer allows', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const c = await ChatTestClient.connect(`${gateway.ws}/ws?token=${signHs256({ sub: 'a', exp: nowS() + 2 }, SECRET)}`);
    await c.next('welcome');
    await c.joinRoom('team-a');
    await c.joinRoom('board');
    const exp = nowS() + 3600;
    c.send({ type: 'refresh', token: signHs256({ sub: 'a', exp, herald: { rooms: ['team-*'] } }, SECRET) });
    expect(await c.next('left')).toEqual({ type: 'left', room: 'board', reason: 'forbidden' });
    expect(await c.next('refreshed')).toEqual({ type: 'refreshed', exp: exp * 1000 });
    await sleep(2500);
    expect(c.isClosed).toBe(false);
    expect(await c.say('team-a', 'still here')).toMatch(/^\d+-\d+$/);
    expect((await gateway.bus.presence.members('board')).map((m) => m.user.id)).toEqual([]);
  });

  it('refuses a refresh for another user or with a bad token, and keeps the old grant', async () => {
    gateway = await startGateway({ AUTH_SECRET: SECRET });
    const c = await connect({ sub: 'a' });
    await c.next('welcome');
    c.send({ type: 'refresh', token: token({ sub: 'mallory' }) });
    expect(await c.next('error')).toMatchObject({ code: 'forbidden' });
    c.send({ type: 'refresh', token: signHs256({ sub: 'a', exp: nowS() - 5 }, SECRET) });
    expect(await c.next('error')).toMatchObject({ code: 'token_expired' });
    c.send({ type: 'refresh', token: 'garbage' });
    expect(await c.next('error')).toMatchObject({ code: 'unauthorized' });
    expect(await c.joinRoom('anything')).toMatchObject({ room: 'anything' });
  });

  it('refuses a refresh when auth is off', async () => {
    gateway = await startGateway();
    const c = await ChatTestClient.named(gateway.ws, 'open');
    c.send({ type: 'refresh', token: 'x' });
    expect(await c.next('error')).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/auth/) });
  });
});
