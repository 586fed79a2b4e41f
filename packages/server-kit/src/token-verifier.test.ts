import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, base64url, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { readAuthConfig, type TokenKey } from './auth-config.js';
import { createTokenVerifier, userOfToken, type VerifyResult } from './token-verifier.js';

const SECRET = 's'.repeat(32);
const NOW = Date.UTC(2030, 0, 1);
const nowS = NOW / 1000;

function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

function keyOf(env: Record<string, string>): TokenKey {
  const key = readAuthConfig(env).token;
  if (key === undefined) throw new Error('auth should be on');
  return key;
}

const hs = keyOf({ AUTH_SECRET: SECRET });

async function sign(payload: JWTPayload, alg: string, key: KeyObject | Uint8Array): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(key);
}

const hsSign = (payload: JWTPayload) => sign(payload, 'HS256', new TextEncoder().encode(SECRET));
const valid = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'alice', exp: nowS + 60, ...extra });

async function verify(token: string, key: TokenKey = hs): Promise<VerifyResult> {
  return createTokenVerifier(key).verify(token, NOW);
}

async function refusal(token: string, key: TokenKey = hs) {
  const result = await verify(token, key);
  if (result.ok) throw new Error('expected the token to be refused');
  expect(result.message).not.toContain(token);
  const signature = token.split('.')[2];
  if (signature) expect(result.message).not.toContain(signature);
  return result;
}

describe('createTokenVerifier: keys and algorithms', () => {
  it.each([
    ['HS256', { AUTH_SECRET: SECRET }, 'HS256', new TextEncoder().encode(SECRET)],
    ['RS256', { AUTH_PUBLIC_KEY: pem(rsa.publicKey) }, 'RS256', rsa.privateKey],
    ['ES256', { AUTH_PUBLIC_KEY: pem(ec.publicKey) }, 'ES256', ec.privateKey],
    ['EdDSA', { AUTH_PUBLIC_KEY: pem(ed.publicKey) }, 'EdDSA', ed.privateKey],
    ['Ed25519', { AUTH_PUBLIC_KEY: pem(ed.publicKey) }, 'Ed25519', ed.privateKey],
  ] as Array<[string, Record<string, string>, string, KeyObject | Uint8Array]>)(
    'accepts a %s token and returns sub, name, herald and exp in ms',
    async (_name, env, alg, signingKey) => {
      const token = await sign(valid({ name: 'Alice', herald: { rooms: ['team-*'] } }), alg, signingKey);
      expect(await verify(token, keyOf(env))).toEqual({
        ok: true,
        token: { sub: 'alice', name: 'Alice', herald: { rooms: ['team-*'] }, exp: (nowS + 60) * 1000 },
      });
    },
  );

  it('refuses an HS256 token against an RSA key, even one signed with the PEM text as secret', async () => {
    const rsaKey = keyOf({ AUTH_PUBLIC_KEY: pem(rsa.publicKey) });
    const confused = await sign(valid(), 'HS256', new TextEncoder().encode(pem(rsa.publicKey)));
    expect(await refusal(confused, rsaKey)).toMatchObject({ reason: 'invalid', message: expect.stringMatching(/algorithm/) });
  });

  it('refuses an RS256 token where an ES256 key is configured, and the reverse', async () => {
    const ecKey = keyOf({ AUTH_PUBLIC_KEY: pem(ec.publicKey) });
    const rsaKey = keyOf({ AUTH_PUBLIC_KEY: pem(rsa.publicKey) });
    expect((await refusal(await sign(valid(), 'RS256', rsa.privateKey), ecKey)).reason).toBe('invalid');
    expect((await refusal(await sign(valid(), 'ES256', ec.privateKey), rsaKey)).reason).toBe('invalid');
  });

  it('refuses alg:none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const body = base64url.encode(JSON.stringify(valid()));
    expect(await refusal(`${header}.${body}.`)).toMatchObject({ reason: 'invalid', message: expect.stringMatching(/algorithm/) });
  });

  it('refuses a token signed by another key of the right type', async () => {
    const other = generateKeyPairSync('ed25519');
    const edKey = keyOf({ AUTH_PUBLIC_KEY: pem(ed.publicKey) });
    expect(await refusal(await sign(valid(), 'EdDSA', other.privateKey), edKey)).toMatchObject({ message: 'invalid token: bad signature' });
    expect(await refusal(await sign(valid(), 'HS256', new TextEncoder().encode('t'.repeat(32))))).toMatchObject({
      message: 'invalid token: bad signature',
    });
  });

  it.each(['', 'garbage', 'a.b.c', `${'a'.repeat(9000)}`])('refuses a malformed token %#', async (token) => {
    expect((await verify(token)).ok).toBe(false);
  });
});

describe('createTokenVerifier: claims and time', () => {
  it('refuses a token that expired 2 s ago as expired (no leeway on exp)', async () => {
    expect(await refusal(await hsSign(valid({ exp: nowS - 2 })))).toEqual({ ok: false, reason: 'expired', message: 'token expired' });
    expect(await refusal(await hsSign(valid({ exp: nowS })))).toMatchObject({ reason: 'expired' });
  });

  it('accepts a token until its exp', async () => {
    expect((await verify(await hsSign(valid({ exp: nowS + 1 })))).ok).toBe(true);
    const result = await createTokenVerifier(hs).verify(await hsSign(valid({ exp: nowS + 1 })), NOW + 999);
    expect(result.ok).toBe(true);
  });

  it('refuses a token without exp, or with a non-numeric exp', async () => {
    expect(await refusal(await hsSign({ sub: 'alice' }))).toMatchObject({ reason: 'invalid', message: 'invalid token: the "exp" claim is required' });
    expect((await refusal(await hsSign({ sub: 'alice', exp: 'tomorrow' as unknown as number }))).reason).toBe('invalid');
  });

  it('refuses a token without sub', async () => {
    expect(await refusal(await hsSign({ exp: nowS + 60 }))).toMatchObject({ message: 'invalid token: the "sub" claim is required' });
  });

  it('accepts nbf within the leeway, refuses it beyond', async () => {
    expect((await verify(await hsSign(valid({ nbf: nowS + 20 })))).ok).toBe(true);
    expect(await refusal(await hsSign(valid({ nbf: nowS + 60 })))).toMatchObject({ reason: 'invalid', message: expect.stringMatching(/nbf/) });
  });

  it('accepts iat within the leeway, refuses iat ten years ahead', async () => {
    expect((await verify(await hsSign(valid({ iat: nowS + 20 })))).ok).toBe(true);
    expect((await verify(await hsSign(valid({ iat: nowS - 3600 })))).ok).toBe(true);
    const tenYears = 10 * 365 * 24 * 3600;
    expect(await refusal(await hsSign(valid({ iat: nowS + tenYears, exp: nowS + tenYears + 60 })))).toMatchObject({
      reason: 'invalid',
      message: expect.stringMatching(/iat/),
    });
  });

  it('checks AUTH_ISSUER and AUTH_AUDIENCE when set', async () => {
    const key = keyOf({ AUTH_SECRET: SECRET, AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'herald' });
    const good = await hsSign(valid({ iss: 'https://idp.example', aud: ['other', 'herald'] }));
    expect((await verify(good, key)).ok).toBe(true);
    expect(await refusal(await hsSign(valid({ iss: 'https://evil.example', aud: 'herald' })), key)).toMatchObject({ message: 'invalid token: unexpected "iss" claim' });
    expect(await refusal(await hsSign(valid({ iss: 'https://idp.example', aud: 'other' })), key)).toMatchObject({ message: 'invalid token: unexpected "aud" claim' });
    expect(await refusal(await hsSign(valid({ aud: 'herald' })), key)).toMatchObject({ message: 'invalid token: the "iss" claim is required' });
  });

  it('refuses a sub with a lone surrogate', async () => {
    const result = await refusal(await hsSign(valid({ sub: 'x\ud800' })));
    expect(result).toMatchObject({ reason: 'invalid', message: expect.stringMatching(/"sub" must be well-formed Unicode/) });
  });

  it('refuses a name with a bidi override, or a lone surrogate', async () => {
    expect(await refusal(await hsSign(valid({ name: '\u202eecilA' })))).toMatchObject({ message: expect.stringMatching(/"name" must not hold format or bidi/) });
    expect(await refusal(await hsSign(valid({ name: 'x\udc00' })))).toMatchObject({ message: expect.stringMatching(/"name" must be well-formed/) });
    expect(await refusal(await hsSign(valid({ name: 7 })))).toMatchObject({ message: expect.stringMatching(/"name" must be a string/) });
  });

  it('refuses a malformed herald claim with its reason', async () => {
    expect(await refusal(await hsSign(valid({ herald: { rooms: ['a*b'] } })))).toMatchObject({
      message: 'invalid token: herald.rooms[0] may hold "*" only at its end',
    });
    expect(await refusal(await hsSign(valid({ herald: { room: ['*'] } })))).toMatchObject({ message: expect.stringMatching(/unknown key "room"/) });
  });
});

describe('userOfToken', () => {
  it('uses name, else a cut of sub that is still a well-formed name', () => {
    expect(userOfToken({ sub: 'alice', name: 'Alice', herald: {}, exp: 1 })).toEqual({ id: 'alice', name: 'Alice' });
    const sub = `${'a'.repeat(63)}😀`;
    expect(userOfToken({ sub, herald: {}, exp: 1 })).toEqual({ id: sub, name: 'a'.repeat(63) });
  });
});
