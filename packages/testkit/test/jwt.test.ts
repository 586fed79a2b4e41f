import { createHmac, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signHs256, signJwt } from '../src/jwt.js';

const part = (token: string, i: number) => JSON.parse(Buffer.from(token.split('.')[i]!, 'base64url').toString()) as Record<string, unknown>;

describe('signJwt', () => {
  it('signs HS256 over header.payload with the secret', () => {
    const token = signHs256({ sub: 'u1', name: 'ann' }, 'secret');
    const [head, body, sig] = token.split('.');
    expect(part(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(part(token, 1)).toEqual({ sub: 'u1', name: 'ann' });
    expect(sig).toBe(createHmac('sha256', 'secret').update(`${head}.${body}`).digest('base64url'));
    expect(signHs256({ sub: 'u1', name: 'ann' }, 'other').split('.')[2]).not.toBe(sig);
  });

  it('lets a test override header fields', () => {
    expect(part(signJwt({}, { alg: 'HS256', secret: 's' }, { alg: 'none' }), 0).alg).toBe('none');
  });

  it('signs RS256 so the public key verifies it, with the kid in the header', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = signJwt({ sub: 'u2' }, { alg: 'RS256', privateKey, kid: 'k1' });
    const [head, body, sig] = token.split('.');
    expect(part(token, 0)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    expect(verify('sha256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(sig!, 'base64url'))).toBe(true);
  });

  it('signs ES256 as a 64-byte r||s signature (JWS form, not DER)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const token = signJwt({ sub: 'u3' }, { alg: 'ES256', privateKey: pem });
    const [head, body, sig] = token.split('.');
    const raw = Buffer.from(sig!, 'base64url');
    expect(raw).toHaveLength(64);
    const key = { key: createPublicKey(publicKey.export({ format: 'pem', type: 'spki' })), dsaEncoding: 'ieee-p1363' as const };
    expect(verify('sha256', Buffer.from(`${head}.${body}`), key, raw)).toBe(true);
  });
});
