/**
 * The journal: one ordered log per bus of occupancy changes (a room's first connection,
 * its last one gone, a user's first and last connection in it) and of notes the app
 * appends (e.g. Pusher client events), read by ONE consumer at a time under a lease,
 * from a cursor it moves only after it has handled what it read.
 *
 * Why it lives in the bus: on Redis, "was this the last connection of the room?" is
 * only knowable where presence changes, inside the join/leave/sweep scripts; deciding
 * it there and appending in the same script makes each transition happen once for the
 * whole cluster (also when a dead instance's members are swept), in Redis's order.
 */

/**
 * How a presence entry counts towards its room's occupancy: `connections` records
 * occupied/vacated; `users` also records each user id's first connection and last
 * one gone (user-joined/user-left).
 */
export type Occupancy = 'connections' | 'users';

export interface JoinOptions {
  /** Record this entry's occupancy transitions in the journal (default: not counted). */
  occupancy?: Occupancy;
}

export type JournalRecord =
  | { readonly kind: 'occupied' | 'vacated'; readonly room: string }
  | { readonly kind: 'user-joined' | 'user-left'; readonly room: string; readonly userId: string }
  | { readonly kind: 'note'; readonly room: string; readonly data: string };

/** A record with its `<ms>-<seq>` id; ids only grow. */
export type JournalEntry = JournalRecord & { readonly id: string };

/** Entries kept (approximately, on Redis): a consumer further behind than this loses the oldest. */
export const JOURNAL_MAXLEN = 100_000;

export interface Journal {
  /** Appends a note after every entry recorded so far; resolves with its id. */
  append(room: string, data: string): Promise<string>;
  /** Entries with an id above `after`, oldest first, at most `count`. */
  read(after: string, count: number): Promise<JournalEntry[]>;
  /**
   * Takes the lease `name` for `owner` when nobody holds it, or extends it when
   * `owner` does; true while `owner` holds it (for `ttlMs` from now).
   */
  lead(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /**
   * The consumer's cursor: the id of the last entry it handled. The first time, it
   * is set to the newest entry, so a new consumer starts at the tip, not with what
   * was recorded before it existed.
   */
  cursor(name: string): Promise<string>;
  /** Moves the cursor forward to `id` if `owner` holds the lease; false (nothing changed) otherwise. */
  commit(name: string, owner: string, id: string): Promise<boolean>;
  /** Gives the lease up (if `owner` holds it), so another consumer takes over at once. */
  resign(name: string, owner: string): Promise<void>;
}
