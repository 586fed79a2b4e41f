/**
 * Token bucket: `rate` tokens per second, holding at most `burst` (default: the
 * rate). Starts full. Refilled lazily on `take`, so an idle connection costs no timer.
 */
export class RateLimiter {
  #tokens: number;
  #last: number;
  readonly #perMs: number;

  constructor(
    private readonly rate: number,
    // Monotonic by default; a clock that steps back only costs the refill of the gap.
    private readonly now: () => number = () => performance.now(),
    private readonly burst: number = rate,
  ) {
    if (!(rate > 0)) throw new RangeError('rate must be positive');
    if (!(burst >= 1)) throw new RangeError('burst must be at least 1');
    this.#tokens = burst;
    this.#last = now();
    this.#perMs = rate / 1000;
  }

  /** Spends one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    const elapsed = now - this.#last;
    if (elapsed > 0) this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.#perMs);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
