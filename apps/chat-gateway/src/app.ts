import type { Bus } from '@herald/bus';
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
import type { GatewayConfig } from './config.js';
import { gatewayPlugin } from './gateway.js';
import { pusherHttpApi } from './pusher/http-api.js';
import { pusherPlugin } from './pusher/plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Open connections per address and user (MAX_CONNECTIONS_PER_*); for tests and leak checks. */
    connectionLimits: ConnectionLimits;
  }
}

export interface BuildAppOptions {
  config: GatewayConfig;
  /** Built by the caller (see createBus), which also closes it after the app. */
  bus: Bus;
  /** Default: a fresh registry for 'chat-gateway'. */
  metrics?: Metrics;
  /** A pino logger to use; default: JSON to stdout at config.logLevel. */
  logger?: FastifyBaseLogger;
  /** How long a drain waits for close handshakes before terminating (default 3000 ms). */
  drainGraceMs?: number;
  /** How long a client may take to send a request (defaults: HTTP_TIMEOUT_DEFAULTS). */
  httpTimeouts?: Partial<HttpTimeouts>;
}

export const DEFAULT_DRAIN_GRACE_MS = 3_000;
const MAX_PARAM_LENGTH = 1024;

/** The chat gateway, not listening yet: ops routes, `/ws`, and raw `/`. */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  const { config, bus } = options;
  const metrics = options.metrics ?? createMetrics('chat-gateway');
  const serverOptions = {
    ...httpTimeoutOptions(options.httpTimeouts),
    trustProxy: trustProxyOption(config.connectionLimits),
    // Pusher channel names (164 characters, more when percent-encoded) and user ids are path parameters.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  };
  const app: FastifyInstance =
    options.logger === undefined
      ? Fastify({ ...serverOptions, logger: loggerOptions(config.logLevel) })
      : Fastify({ ...serverOptions, loggerInstance: options.logger });

  // One count per address and user over /ws, / and /app/{key}: a client cannot
  // get more by spreading over routes.
  const gate = new ConnectionGate(config.connectionLimits, metrics);
  app.decorate('connectionLimits', gate.limits);
  app.register(httpErrorsPlugin);
  app.register(opsPlugin, { bus, metrics, metricsToken: config.auth.metricsToken });
  app.register(gatewayPlugin, {
    config,
    bus,
    metrics,
    drainGraceMs: options.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS,
    gate,
  });
  const pusherApps = config.pusher.apps;
  if (pusherApps !== undefined) {
    app.register(pusherPlugin, {
      config,
      apps: pusherApps,
      bus,
      metrics,
      drainGraceMs: options.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS,
      gate,
    });
    app.register(pusherHttpApi, {
      apps: pusherApps,
      bus,
      metrics,
      bodyLimit: config.maxMessageBytes,
      maxEventDataBytes: config.pusher.maxEventDataBytes,
    });
  }
  return app;
}
