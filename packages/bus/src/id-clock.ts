import { formatId } from '@herald/protocol';

/**
 * Issues `<ms>-<seq>` ids that only grow, even if the wall clock steps back: the same
 * rule Redis uses for stream ids, so memory and Redis ids look and sort alike.
 */
export class IdClock {
  #ms = 0;
  #seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The newest id issued, if any. */
  last(): string | undefined {
    return this.#ms === 0 ? undefined : formatId(this.#ms, this.#seq);
  }

  next(): string {
    const now = this.now();
    if (now > this.#ms) {
      this.#ms = now;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return formatId(this.#ms, this.#seq);
  }
}
