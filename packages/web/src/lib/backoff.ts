/**
 * Reconnect delays: exponential backoff with FULL jitter,
 * delay = random(0, min(maxMs, initialMs * factor^attempt)).
 * Full jitter spreads a crowd of clients that lost the same server over the whole
 * window instead of having them all come back at once
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export interface BackoffOptions {
  /** Ceiling of the first delay, ms. */
  initialMs: number;
  /** Largest ceiling, ms. */
  maxMs: number;
  /** Growth of the ceiling per failed attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialMs: 500, maxMs: 30_000, factor: 2 };

export function checkBackoff(options: BackoffOptions): BackoffOptions {
  const { initialMs, maxMs, factor } = options;
  if (!(Number.isFinite(initialMs) && initialMs >= 0)) throw new RangeError('backoff.initialMs must be a number >= 0');
  if (!(Number.isFinite(maxMs) && maxMs >= initialMs)) throw new RangeError('backoff.maxMs must be a number >= initialMs');
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError('backoff.factor must be a number >= 1');
  return { initialMs, maxMs, factor };
}

/** The upper bound of the delay before attempt number `attempt` (0-based). */
export function backoffCeiling(options: BackoffOptions, attempt: number): number {
  // Math.pow overflows to Infinity for large attempts; min() then yields maxMs.
  return Math.min(options.maxMs, options.initialMs * Math.pow(options.factor, attempt));
}

/** `random` returns a number in [0, 1), like Math.random (injectable for tests). */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(options, attempt));
}

/** Counts failed attempts; `reset()` once a connection has proved stable. */
export class Backoff {
  #attempt = 0;
  readonly #options: BackoffOptions;
  readonly #random: () => number;

  constructor(options: BackoffOptions, random: () => number = Math.random) {
    this.#options = checkBackoff(options);
    this.#random = random;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.#options, this.#attempt++, this.#random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
