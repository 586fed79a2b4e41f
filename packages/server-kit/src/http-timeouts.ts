import type { ServerOptions } from 'node:http';
import { clientErrorHandler } from './http-errors.js';

/**
 * Fastify turns Node's request timeout off (`requestTimeout: 0`), so a client
 * dripping a request one byte at a time held its socket for ever (a dripped body
 * was never cut; dripped headers only after 60-90 s), and so did one that
 * connected and sent nothing. With a request timeout Node answers 408 and closes.
 * It covers receiving the request only: an open SSE response and an upgraded
 * WebSocket are not affected.
 */
export interface HttpTimeouts {
  /** From the connection (or the first byte of a later request on it) to the last byte of headers and body. */
  requestMs: number;
  /** How often Node looks for requests older than requestMs (its default is 30 s). */
  checkIntervalMs: number;
}

export const HTTP_TIMEOUT_DEFAULTS: Readonly<HttpTimeouts> = {
  requestMs: 30_000,
  checkIntervalMs: 5_000,
};

export interface HttpTimeoutOptions {
  requestTimeout: number;
  http: ServerOptions;
  /** Node's 408 (and its other parser refusals) in Herald's error shape. */
  clientErrorHandler: typeof clientErrorHandler;
}

/** Fastify server options for these timeouts (idle keep-alive sockets keep Fastify's 72 s). */
export function httpTimeoutOptions(overrides: Partial<HttpTimeouts> = {}): HttpTimeoutOptions {
  const { requestMs, checkIntervalMs } = { ...HTTP_TIMEOUT_DEFAULTS, ...overrides };
  return {
    requestTimeout: requestMs,
    http: { headersTimeout: requestMs, connectionsCheckingInterval: checkIntervalMs },
    clientErrorHandler,
  };
}
