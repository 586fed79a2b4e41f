/**
 * Redis is not reachable (or dropped the connection mid-command): nothing was stored.
 * Callers map it to their "try again" answer (a 503, an error frame); it is never a
 * reason to crash.
 */
export class BusUnavailableError extends Error {
  readonly code = 'BUS_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
