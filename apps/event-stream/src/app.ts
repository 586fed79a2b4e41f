import cors from '@fastify/cors';
import type { Bus } from '@herald/bus';
import { replayPageEvents } from '@herald/protocol';
import {
  ConnectionGate,
  createMetrics,
  httpErrorsPlugin,
  httpTimeoutOptions,
  loggerOptions,
  opsPlugin,
  trustProxyOption,
  type ConnectionLimits,
  type HttpTimeouts,
  type Metrics,
} from '@herald/server-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { StreamConfig } from './config.js';
import { StreamHub } from './stream-hub.js';
import { publishRoute } from './publish-route.js';
import { sseRoute } from './sse-route.js';
import { StreamAccess } from './stream-access.js';
import { TimeTicker } from './time-ticker.js';

export interface BuildAppOptions {
  config: StreamConfig;
  bus: Bus;
  metrics?: Metrics;
  /** A ready logger (main.ts shares one with the bus); otherwise one is made from config. */
  logger?: FastifyBaseLogger;
  /** How long a client may take to send a request (defaults: HTTP_TIMEOUT_DEFAULTS). */
  httpTimeouts?: Partial<HttpTimeouts>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The SSE fan-out of this instance (stats for tests and leak checks). */
    sseHub: StreamHub;
    /** Open streams per address and user (MAX_CONNECTIONS_PER_*); for tests and leak checks. */
    connectionLimits: ConnectionLimits;
  }
}

// Browsers may send these on a stream or a publish; nothing else needs exposing.
const CORS_ALLOWED_HEADERS = ['Last-Event-ID', 'Content-Type', 'Authorization'];
const CORS_METHODS = ['GET', 'POST'];

function corsOptions(origins: string[] | undefined) {
  // Credentials only with an explicit list: browsers refuse `*` with credentials.
  return origins === undefined
    ? { origin: '*', credentials: false, methods: CORS_METHODS, allowedHeaders: CORS_ALLOWED_HEADERS }
    : { origin: origins, credentials: true, methods: CORS_METHODS, allowedHeaders: CORS_ALLOWED_HEADERS };
}

/** The event-stream service, not yet listening. The caller owns `bus` and closes it. */
export function buildApp({
  config,
  bus,
  metrics = createMetrics('event-stream'),
  logger,
  httpTimeouts,
}: BuildAppOptions): FastifyInstance {
  // Fastify's own closing-503 has another body shape; ours (draining → 503) answers instead.
  const options = {
    ...httpTimeoutOptions(httpTimeouts),
    bodyLimit: config.maxMessageBytes,
    return503OnClosing: false,
    // request.ip, what MAX_CONNECTIONS_PER_IP counts, is read through these proxies.
    trustProxy: trustProxyOption(config.connectionLimits),
  };
  const app =
    logger === undefined
      ? Fastify({ ...options, logger: loggerOptions(config.logLevel) })
      : Fastify({ ...options, loggerInstance: logger });

  const hub = new StreamHub({
    bus,
    ticker: new TimeTicker(config.timeIntervalMs),
    metrics,
    heartbeatMs: config.heartbeatMs,
    maxBufferedBytes: config.maxBufferedBytes,
    replayPageSize: replayPageEvents(config.maxBufferedBytes, config.maxMessageBytes),
    log: app.log,
  });
  app.decorate('sseHub', hub);

  app.register(httpErrorsPlugin);
  app.register(cors, corsOptions(config.corsOrigins));
  app.register(opsPlugin, { bus, metrics, metricsToken: config.auth.metricsToken });
  // Registered after opsPlugin, so `draining` is already true when streams end:
  // clients that reconnect at once get 503 instead of a stream that ends again.
  app.addHook('preClose', async () => hub.endAll());
  app.addHook('onClose', async () => hub.endAll());
  const access = new StreamAccess({ auth: config.auth, publishToken: config.publishToken, corsOrigins: config.corsOrigins });
  const gate = new ConnectionGate(config.connectionLimits, metrics);
  app.decorate('connectionLimits', gate.limits);
  app.register(sseRoute, { hub, retryMs: config.retryMs, access, gate });
  app.register(publishRoute, {
    bus,
    metrics,
    access,
    maxMessageBytes: config.maxMessageBytes,
  });
  return app;
}
