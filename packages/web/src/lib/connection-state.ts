import { DEFAULT_BACKOFF, checkBackoff, type BackoffOptions } from './backoff.js';

/** The connection state both clients report, for a status line and a countdown. */
export type ConnectionState =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  /**
   * Waiting before attempt number `attempt`. `delayMs` and `at` (epoch ms of the next
   * attempt) are set when this client chose the delay; they are absent while an
   * EventSource retries on its own schedule (the server's `retry:`).
   */
  | { state: 'reconnecting'; attempt: number; delayMs?: number; at?: number }
  | { state: 'closed' };

export type ConnectionStateName = ConnectionState['state'];

export interface ReconnectOptions {
  backoff?: Partial<BackoffOptions>;
  /** A connection open this long counts as stable: the backoff starts again from the bottom. */
  stableAfterMs?: number;
  /** [0, 1), like Math.random; injectable for tests. */
  random?: () => number;
}

export const DEFAULT_STABLE_AFTER_MS = 5_000;

export function readReconnectOptions(options: ReconnectOptions): {
  backoff: BackoffOptions;
  stableAfterMs: number;
  random: () => number;
} {
  const stableAfterMs = options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
  if (!(Number.isFinite(stableAfterMs) && stableAfterMs >= 0)) throw new RangeError('stableAfterMs must be a number >= 0');
  return {
    backoff: checkBackoff({ ...DEFAULT_BACKOFF, ...options.backoff }),
    stableAfterMs,
    random: options.random ?? Math.random,
  };
}
