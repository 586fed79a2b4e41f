import { displayNameProblem, OPEN_ACCESS, type Access, type User } from '@herald/protocol';

/** Who a connection is and what it may do; a `refresh` replaces it (same user). */
export interface Grant {
  user: User;
  access: Access;
  /** When the token expires (ms since the epoch); undefined with auth off. */
  exp: number | undefined;
}

export type IdentityResult = { ok: true; grant: Grant } | { ok: false; status: 400 | 401 | 403; message: string };

export const ANONYMOUS = 'anonymous';

/**
 * Identity when auth is off: `?name=` is both the id and the display name, so a
 * reconnecting client keeps its identity and several tabs of one name show once in
 * `members`. Without a name the client is an anonymous user of its own.
 */
export function identityFromName(name: unknown, connectionId: string): IdentityResult {
  if (name === undefined) {
    return { ok: true, grant: { user: { id: `anonymous-${connectionId}`, name: ANONYMOUS }, access: OPEN_ACCESS, exp: undefined } };
  }
  const problem = displayNameProblem(name, '"name"');
  if (problem !== undefined) return { ok: false, status: 400, message: problem };
  return { ok: true, grant: { user: { id: name as string, name: name as string }, access: OPEN_ACCESS, exp: undefined } };
}
