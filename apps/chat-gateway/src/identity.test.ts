import { readAuthConfig } from '@herald/server-kit';
import { signHs256 } from '@herald/testkit';
import { describe, expect, it } from 'vitest';
import { GatewayAuth } from './auth.js';
import { identityFromName } from './identity.js';
import { isOriginAllowed } from './origin.js';

const SECRET = 'a-test-secret-that-is-32-bytes-long!';
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('identity without auth', () => {
  it('uses ?name= as id and name, with every right', () => {
    const result = identityFromName('alice', 'c1');
    expect(result).toMatchObject({ ok: true, grant: { user: { id: 'alice', name: 'alice' }, exp: undefined } });
    expect(result.ok && result.grant.access.canJoin('anything')).toBe(true);
  });

  it('makes a nameless client an anonymous user of its own', () => {
    expect(identityFromName(undefined, 'c1')).toMatchObject({ ok: true, grant: { user: { id: 'anonymous-c1', name: 'anonymous' } } });
  });

  it.each([[''], ['x'.repeat(65)], ['bad\nname'], [['a', 'b']], ['   '], ['x\ud800'], ['a\u202eb']])('refuses the name %j with 400', (name) => {
    expect(identityFromName(name, 'c1')).toMatchObject({ ok: false, status: 400 });
  });
});

describe('GatewayAuth', () => {
  const auth = GatewayAuth.from(readAuthConfig({ AUTH_SECRET: SECRET }))!;

  it('is off without a key', () => {
    expect(GatewayAuth.from(readAuthConfig({}))).toBeUndefined();
  });

  it('grants the rooms of the herald claim, and exp in ms', async () => {
    const exp = inAnHour();
    const result = await auth.grant(signHs256({ sub: 'u1', name: 'Ann', exp, herald: { rooms: ['team-*'] } }, SECRET));
    expect(result).toMatchObject({ ok: true, grant: { user: { id: 'u1', name: 'Ann' }, exp: exp * 1000 } });
    if (!result.ok) return;
    expect(result.grant.access.canJoin('team-a')).toBe(true);
    expect(result.grant.access.canJoin('board-private')).toBe(false);
  });

  it('gives a token without herald.rooms the default rooms (AUTH_DEFAULT_ROOMS)', async () => {
    const strict = GatewayAuth.from(readAuthConfig({ AUTH_SECRET: SECRET, AUTH_DEFAULT_ROOMS: 'lobby' }))!;
    const result = await strict.grant(signHs256({ sub: 'u1', exp: inAnHour() }, SECRET));
    expect(result.ok && result.grant.access.canJoin('lobby')).toBe(true);
    expect(result.ok && result.grant.access.canJoin('other')).toBe(false);
  });

  it('refuses an expired token as expired and a forged one as invalid, both 401', async () => {
    const expired = await auth.grant(signHs256({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 2 }, SECRET));
    expect(expired).toMatchObject({ ok: false, status: 401, expired: true });
    const forged = await auth.grant(signHs256({ sub: 'u1', exp: inAnHour() }, 'another-secret-that-is-32-bytes-long'));
    expect(forged).toMatchObject({ ok: false, status: 401, expired: false });
  });
});

describe('isOriginAllowed', () => {
  it('allows any origin without a list, and only listed ones with one', () => {
    expect(isOriginAllowed('https://evil.example', undefined)).toBe(true);
    expect(isOriginAllowed('https://a.example', ['https://a.example'])).toBe(true);
    expect(isOriginAllowed('https://evil.example', ['https://a.example'])).toBe(false);
    expect(isOriginAllowed(undefined, ['https://a.example'])).toBe(true);
  });
});
