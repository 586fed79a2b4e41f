import { RedisBus, type Bus } from '@herald/bus';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from './metrics.js';
import { RETRY_AFTER_SECONDS } from './http-errors.js';
import { registerRedisMetrics } from './redis-metrics.js';
import { bearerMatcher } from './secrets.js';

export interface OpsOptions {
  bus: Bus;
  metrics: Metrics;
  /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <it>` (else 401). */
  metricsToken?: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the first shutdown signal on: /readyz answers 503, new clients are refused. */
    draining: boolean;
  }
}

/**
 * /healthz (the process answers), /readyz (the bus is connected and we are not
 * draining; on Redis also which node is master, the epoch and failovers seen),
 * /metrics (Prometheus text). Shared by both services.
 */
async function ops(app: FastifyInstance, { bus, metrics, metricsToken }: OpsOptions): Promise<void> {
  const allowed = metricsToken === undefined ? () => true : bearerMatcher(metricsToken);
  const redis = bus instanceof RedisBus ? bus : undefined;
  if (redis !== undefined) registerRedisMetrics(metrics, redis);
  app.decorate('draining', false);
  app.addHook('preClose', async () => {
    app.draining = true;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const busReady = bus.isReady();
    const ready = busReady && !app.draining;
    if (!ready) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      bus: redis === undefined ? { kind: bus.kind, ready: busReady } : { kind: bus.kind, ready: busReady, redis: redis.ha() },
      draining: app.draining,
    });
  });

  app.get('/metrics', async (request, reply) => {
    if (!allowed(request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ statusCode: 401, code: 'unauthorized', message: 'Authorization: Bearer <METRICS_TOKEN> required' });
    }
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

export const opsPlugin = fp(ops, { name: 'herald-ops', fastify: '5.x' });
