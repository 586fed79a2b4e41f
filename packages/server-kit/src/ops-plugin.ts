import type { Bus } from '@herald/bus';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from './metrics.js';
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
 * draining), /metrics (Prometheus text). Shared by both services.
 */
async function ops(app: FastifyInstance, { bus, metrics, metricsToken }: OpsOptions): Promise<void> {
  const allowed = metricsToken === undefined ? () => true : bearerMatcher(metricsToken);
  app.decorate('draining', false);
  app.addHook('preClose', async () => {
    app.draining = true;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const busReady = bus.isReady();
    const ready = busReady && !app.draining;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      bus: { kind: bus.kind, ready: busReady },
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
