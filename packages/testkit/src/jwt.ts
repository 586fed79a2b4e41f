import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';

/**
 * How a test token is signed. HS256 for today's gateway; RS256 and ES256 for the
 * access-control work (keys from `generateKeyPairSync`, verified by jose there).
 */
export type JwtKey =
  | { alg: 'HS256'; secret: string | Buffer }
  | { alg: 'RS256' | 'ES256'; privateKey: KeyObject | string; kid?: string };

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A JWT built by hand, so tests control every claim, the header and the signature
 * (an expired, future or wrongly signed token is as easy as a good one).
 */
export function signJwt(payload: Record<string, unknown>, key: JwtKey, header: Record<string, unknown> = {}): string {
  const kid = key.alg === 'HS256' || key.kid === undefined ? {} : { kid: key.kid };
  const head = `${encode({ alg: key.alg, typ: 'JWT', ...kid, ...header })}.${encode(payload)}`;
  return `${head}.${signature(head, key)}`;
}

function signature(input: string, key: JwtKey): string {
  if (key.alg === 'HS256') return createHmac('sha256', key.secret).update(input).digest('base64url');
  const privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
  // JWS wants ES256 signatures as the raw r||s pair, not DER (RFC 7518 §3.4).
  const options = key.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  return sign('sha256', Buffer.from(input), options).toString('base64url');
}

/** Shorthand for the common case. */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
  return signJwt(payload, { alg: 'HS256', secret });
}
