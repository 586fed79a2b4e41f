import { compareIds, ZERO_ID } from '@herald/protocol';
import { IdClock } from './id-clock.js';
import { JOURNAL_MAXLEN, type Journal, type JournalEntry, type JournalRecord, type Occupancy } from './journal.js';

/** The journal of a MemoryBus: one process, so the lease is only ever contested by consumers in it. */
export class MemoryJournal implements Journal {
  readonly #entries: JournalEntry[] = [];
  readonly #clock = new IdClock();
  readonly #leases = new Map<string, { owner: string; until: number }>();
  readonly #cursors = new Map<string, string>();

  record(record: JournalRecord): string {
    const id = this.#clock.next();
    this.#entries.push({ ...record, id });
    // Trimmed in chunks: one splice per thousand appends, not a shift per append.
    if (this.#entries.length > JOURNAL_MAXLEN + 1000) this.#entries.splice(0, this.#entries.length - JOURNAL_MAXLEN);
    return id;
  }

  async append(room: string, data: string): Promise<string> {
    return this.record({ kind: 'note', room, data });
  }

  async read(after: string, count: number): Promise<JournalEntry[]> {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.#entries[mid]!.id, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.#entries.slice(lo, lo + Math.max(0, count));
  }

  async lead(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const lease = this.#leases.get(name);
    if (lease && lease.owner !== owner && lease.until > now) return false;
    this.#leases.set(name, { owner, until: now + ttlMs });
    return true;
  }

  async cursor(name: string): Promise<string> {
    let cursor = this.#cursors.get(name);
    if (cursor === undefined) {
      cursor = this.#entries.at(-1)?.id ?? ZERO_ID;
      this.#cursors.set(name, cursor);
    }
    return cursor;
  }

  async commit(name: string, owner: string, id: string): Promise<boolean> {
    if (!this.#holds(name, owner)) return false;
    const cursor = this.#cursors.get(name);
    if (cursor === undefined || compareIds(id, cursor) > 0) this.#cursors.set(name, id);
    return true;
  }

  async resign(name: string, owner: string): Promise<void> {
    if (this.#leases.get(name)?.owner === owner) this.#leases.delete(name);
  }

  #holds(name: string, owner: string): boolean {
    const lease = this.#leases.get(name);
    return lease !== undefined && lease.owner === owner && lease.until > Date.now();
  }
}

/**
 * Occupancy of counted rooms for the MemoryBus: connections per room and per user id
 * in it, and the transitions a join or leave makes (the same the Redis scripts make).
 */
export class OccupancyCounts {
  readonly #rooms = new Map<string, { connections: number; users: Map<string, number> }>();

  joined(room: string, userId: string, occupancy: Occupancy): JournalRecord[] {
    const out: JournalRecord[] = [];
    let counts = this.#rooms.get(room);
    if (!counts) {
      counts = { connections: 0, users: new Map() };
      this.#rooms.set(room, counts);
    }
    counts.connections += 1;
    if (counts.connections === 1) out.push({ kind: 'occupied', room });
    if (occupancy === 'users') {
      const n = (counts.users.get(userId) ?? 0) + 1;
      counts.users.set(userId, n);
      if (n === 1) out.push({ kind: 'user-joined', room, userId });
    }
    return out;
  }

  /** Pusher's order on a last leave: the member goes, then the channel. */
  left(room: string, userId: string, occupancy: Occupancy): JournalRecord[] {
    const out: JournalRecord[] = [];
    const counts = this.#rooms.get(room);
    if (!counts) return out;
    if (occupancy === 'users') {
      const n = counts.users.get(userId);
      if (n !== undefined && n <= 1) {
        counts.users.delete(userId);
        out.push({ kind: 'user-left', room, userId });
      } else if (n !== undefined) counts.users.set(userId, n - 1);
    }
    counts.connections -= 1;
    if (counts.connections <= 0) {
      this.#rooms.delete(room);
      out.push({ kind: 'vacated', room });
    }
    return out;
  }
}
