import { decodeHeraldClaim, defaultDisplayName, displayNameProblem, MAX_TOKEN_LENGTH, subjectProblem, type HeraldClaim, type User } from '@herald/protocol';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { TokenKey } from './auth-config.js';

/**
 * Seconds of clock skew allowed on `nbf` and `iat` (DESIGN: 30 s). Not on `exp`:
 * the gateway closes a connection at `exp` exactly, so a token must not verify
 * after it either (a token 2 s past `exp` used to be accepted, issue 11).
 */
export const CLOCK_LEEWAY_S = 30;

/** What a verified token says. */
export interface VerifiedToken {
  readonly sub: string;
  readonly name?: string | undefined;
  readonly herald: HeraldClaim;
  /** When the token expires, in ms since the epoch. */
  readonly exp: number;
}

/**
 * A refusal: `expired` (come back with a new token) or `invalid` (anything else).
 * `message` is safe to send to the client: it never holds the token or a part of it.
 */
export type TokenFailure = { readonly reason: 'expired' | 'invalid'; readonly message: string };

export type VerifyResult = { ok: true; token: VerifiedToken } | ({ ok: false } & TokenFailure);

export interface TokenVerifier {
  /** `now` (ms) is for tests; servers use the clock. Never throws. */
  verify(token: string, now?: number): Promise<VerifyResult>;
}

function invalid(message: string): VerifyResult {
  return { ok: false, reason: 'invalid', message: `invalid token: ${message}` };
}

// jose's messages name claims and checks, never values; still, a client sees ours,
// so they stay stable across jose versions and say what to fix.
function refusal(err: unknown): VerifyResult {
  if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired', message: 'token expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return invalid(`the "${err.claim}" claim is required`);
    if (err.claim === 'nbf') return invalid('not valid yet ("nbf" is in the future)');
    return invalid(`unexpected "${err.claim}" claim`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid('signed with an algorithm this server does not accept');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('bad signature');
  if (err instanceof errors.JOSEError) return invalid('malformed token');
  return invalid('cannot be verified');
}

function claimsOf(payload: JWTPayload, now: number): VerifyResult {
  const nowS = Math.floor(now / 1000);
  // jose applied the leeway to exp as well; ours has none.
  if ((payload.exp as number) * 1000 <= now) return { ok: false, reason: 'expired', message: 'token expired' };
  if (typeof payload.iat === 'number' && payload.iat > nowS + CLOCK_LEEWAY_S) {
    return invalid('issued in the future ("iat")');
  }
  const subProblem = subjectProblem(payload.sub);
  if (subProblem !== undefined) return invalid(subProblem);
  const name = payload.name;
  if (name !== undefined) {
    const nameProblem = displayNameProblem(name);
    if (nameProblem !== undefined) return invalid(nameProblem);
  }
  const herald = decodeHeraldClaim(payload.herald);
  if (!herald.ok) return invalid(herald.reason);
  return {
    ok: true,
    token: { sub: payload.sub as string, name: name as string | undefined, herald: herald.claim, exp: Math.floor(payload.exp! * 1000) },
  };
}

/**
 * The one verifier of both services: the algorithm is pinned to the key (an HS256
 * token against a public key, or `alg: none`, is refused), `exp` and `sub` are
 * required, `iss`/`aud` checked when configured, `exp` to the millisecond,
 * `nbf`/`iat` with {@link CLOCK_LEEWAY_S} of leeway, and `sub`, `name` and `herald` validated as
 * the protocol defines them.
 */
export function createTokenVerifier(key: TokenKey): TokenVerifier {
  const options = {
    algorithms: [...key.algorithms],
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_LEEWAY_S,
    ...(key.issuer !== undefined && { issuer: key.issuer }),
    ...(key.audience !== undefined && { audience: key.audience }),
  };
  return {
    async verify(token, now = Date.now()) {
      if (typeof token !== 'string' || token.length === 0) return invalid('empty');
      if (token.length > MAX_TOKEN_LENGTH) return invalid(`longer than ${MAX_TOKEN_LENGTH} characters`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key.key, { ...options, currentDate: new Date(now) }));
      } catch (err) {
        return refusal(err);
      }
      return claimsOf(payload, now);
    },
  };
}

/** The chat identity of a verified token: `sub` is the id, `name` (or a safe cut of `sub`) the display name. */
export function userOfToken(token: VerifiedToken): User {
  return { id: token.sub, name: token.name ?? defaultDisplayName(token.sub) };
}
