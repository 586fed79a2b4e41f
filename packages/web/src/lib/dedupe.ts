import { compareIds } from '@herald/protocol';

/**
 * Exactly-once delivery for one room with bounded memory. Ids within a room are
 * ordered (`<ms>-<seq>`), so a window of the newest `capacity` ids delivered is
 * enough: an id inside the window is a duplicate, an id older than the whole
 * (full) window was delivered long ago or is too old to matter, and anything else
 * is new, even when it arrives out of order (a live frame racing a history replay).
 */
export class RecentIds {
  /** Ascending. */
  readonly #ids: string[] = [];
  readonly #capacity: number;

  constructor(capacity = 256) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a whole number >= 1');
    this.#capacity = capacity;
  }

  /** The newest id delivered: where a resume starts (`since`). */
  get last(): string | undefined {
    return this.#ids[this.#ids.length - 1];
  }

  get size(): number {
    return this.#ids.length;
  }

  /** true the first time `id` is seen (deliver it), false for a duplicate. */
  accept(id: string): boolean {
    const ids = this.#ids;
    const oldest = ids[0];
    if (ids.length === this.#capacity && oldest !== undefined && compareIds(id, oldest) < 0) return false;
    // Binary search for the insertion point; new ids nearly always go last.
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = compareIds(ids[mid] as string, id);
      if (cmp === 0) return false;
      if (cmp < 0) lo = mid + 1;
      else hi = mid;
    }
    ids.splice(lo, 0, id);
    if (ids.length > this.#capacity) ids.shift();
    return true;
  }
}
