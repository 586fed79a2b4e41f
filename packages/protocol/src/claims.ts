import { patternListProblem } from './patterns.js';

/**
 * The `herald` claim of a token: which rooms it may join, which topics it may read
 * over SSE, which it may publish to. Each list holds patterns (see patterns.ts).
 * A missing list is not the same as an empty one: without `rooms` the server's
 * AUTH_DEFAULT_ROOMS apply; `rooms: []` joins nothing.
 */
export interface HeraldClaim {
  rooms?: string[];
  subscribe?: string[];
  publish?: string[];
}

export const HERALD_CLAIM_KEYS = ['rooms', 'subscribe', 'publish'] as const;

export type HeraldClaimResult = { ok: true; claim: HeraldClaim } | { ok: false; reason: string };

/**
 * Decodes the `herald` claim strictly. An absent claim is an empty one. Anything
 * else malformed is refused with a reason naming the field, and so is an unknown
 * key: a typo such as `room` would otherwise silently fall back to the default
 * rooms, which by default are all of them.
 */
export function decodeHeraldClaim(value: unknown): HeraldClaimResult {
  if (value === undefined) return { ok: true, claim: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'herald claim must be an object' };
  }
  const record = value as Record<string, unknown>;
  const claim: HeraldClaim = {};
  for (const key of Object.keys(record)) {
    if (!(HERALD_CLAIM_KEYS as readonly string[]).includes(key)) {
      return { ok: false, reason: `herald claim has an unknown key "${key.slice(0, 32)}" (known: ${HERALD_CLAIM_KEYS.join(', ')})` };
    }
  }
  for (const key of HERALD_CLAIM_KEYS) {
    const list = record[key];
    if (list === undefined) continue;
    const problem = patternListProblem(list, `herald.${key}`);
    if (problem !== undefined) return { ok: false, reason: problem };
    // A copy: the caller's object (a decoded JWT payload) is not kept alive or aliased.
    claim[key] = [...(list as string[])];
  }
  return { ok: true, claim };
}
