import type { FastifyBaseLogger } from 'fastify';
import type { ConnectionLimitsConfig } from './connection-limits-config.js';
import { ConnectionLimits } from './connection-limits.js';
import { tooManyRequests, type HttpError } from './http-errors.js';
import type { Metrics } from './metrics.js';

/** What ends with the connection: an upgrade's TCP socket, or a stream's ServerResponse. */
export interface Closable {
  /** True once 'close' was emitted (net.Socket and ServerResponse both have it). */
  readonly closed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface AdmitRequest {
  /** request.ip: the socket's peer, or with TRUST_PROXY the right-most X-Forwarded-For address that is not a trusted proxy. */
  ip: string | undefined;
  /** The verified token's subject; undefined for anyone unauthenticated (never a claimed name). */
  user: string | undefined;
  closes: Closable;
  log: FastifyBaseLogger;
}

/**
 * The connection caps as both services apply them: a refusal is counted in
 * herald_limit_refusals_total{limit}, logged (address and user id, never a token)
 * and returned as a 429 HttpError for the caller to answer before any upgrade or
 * stream byte; an admission is given back when `closes` closes, which every end
 * of a connection comes to (a failed upgrade, a peer gone before the open, an
 * error reply after admission, a drain, a terminate or a reset).
 */
export class ConnectionGate {
  readonly limits: ConnectionLimits;
  readonly #metrics: Metrics;

  constructor(config: Pick<ConnectionLimitsConfig, 'perIp' | 'perUser'>, metrics: Metrics) {
    this.limits = new ConnectionLimits(config);
    this.#metrics = metrics;
  }

  /** undefined when admitted; otherwise the 429 to answer with. */
  admit({ ip, user, closes, log }: AdmitRequest): HttpError | undefined {
    const admission = this.limits.acquire(ip, user);
    if (!admission.ok) {
      this.#metrics.limitRefusals.inc({ limit: admission.limit });
      log.info({ limit: admission.limit, ip, user }, 'connection refused by a limit');
      return tooManyRequests(admission.message);
    }
    // Nothing held (no cap applies): no listener per connection either.
    if (admission.holds) releaseOnClose(closes, admission.release);
    return undefined;
  }
}

/** Calls `release` when `target` closes, or at once if it already has (a listener added then would never run). */
export function releaseOnClose(target: Closable, release: () => void): void {
  if (target.closed) release();
  else target.once('close', release);
}
