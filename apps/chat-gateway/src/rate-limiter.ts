/**
 * Token bucket: `rate` tokens per second, holding at most `rate` (the burst).
 * Refilled lazily on `take`, so an idle connection costs no timer.
 */
export class RateLimiter {
  #tokens: number;
  #last: number;
  readonly #perMs: number;

  constructor(
    private readonly rate: number,
    // Monotonic by default; a clock that steps back only costs the refill of the gap.
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0)) throw new RangeError('rate must be positive');
    this.#tokens = rate;
    this.#last = now();
    this.#perMs = rate / 1000;
  }

  /** Spends one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    const elapsed = now - this.#last;
    if (elapsed > 0) this.#tokens = Math.min(this.rate, this.#tokens + elapsed * this.#perMs);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
