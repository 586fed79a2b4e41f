import { isDisplayName, MAX_NAME_LENGTH, NAME_RULES, type User } from '@herald/protocol';

export type IdentityResult =
  | { ok: true; user: User }
  | { ok: false; status: 400 | 401; message: string };

export const ANONYMOUS = 'anonymous';
const MAX_SUBJECT_LENGTH = 128;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Identity when auth is off: `?name=` is both the id and the display name, so a
 * reconnecting client keeps its identity and several tabs of one name show once in
 * `members`. Without a name the client is an anonymous user of its own.
 */
export function identityFromName(name: unknown, connectionId: string): IdentityResult {
  if (name === undefined) return { ok: true, user: { id: `anonymous-${connectionId}`, name: ANONYMOUS } };
  if (!isDisplayName(name)) {
    return {
      ok: false,
      status: 400,
      message: `"name" must be ${NAME_RULES.displayName}`,
    };
  }
  return { ok: true, user: { id: name, name } };
}

/** Identity from verified JWT claims: `sub` is the id, `name` (or `sub`) the display name. */
export function identityFromClaims(claims: unknown): IdentityResult {
  const record = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  const { sub, name } = record;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH || CONTROL.test(sub)) {
    return { ok: false, status: 401, message: `token needs a "sub" claim of 1-${MAX_SUBJECT_LENGTH} characters` };
  }
  if (name === undefined) return { ok: true, user: { id: sub, name: sub.slice(0, MAX_NAME_LENGTH) } };
  if (!isDisplayName(name)) {
    return { ok: false, status: 401, message: `token "name" claim must be 1-${MAX_NAME_LENGTH} characters` };
  }
  return { ok: true, user: { id: sub, name } };
}

/** The token of an upgrade: `?token=` (browsers cannot set headers) or a Bearer header. */
export function tokenOf(query: Record<string, unknown>, authorization: string | undefined): unknown {
  if (query.token !== undefined) return query.token;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  return undefined;
}
