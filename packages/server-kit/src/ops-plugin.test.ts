import { MemoryBus } from '@herald/bus';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { opsPlugin } from './ops-plugin.js';

const TOKEN = 'metrics-token-0123456789';
let app: FastifyInstance | undefined;

async function build(metricsToken?: string): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(opsPlugin, { bus: new MemoryBus({ historySize: 10 }), metrics: createMetrics('test'), metricsToken });
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('/metrics and METRICS_TOKEN', () => {
  it('is open without METRICS_TOKEN', async () => {
    const res = await (await build()).inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/# TYPE/);
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['the token without Bearer', TOKEN],
  ])('answers 401 with %s when METRICS_TOKEN is set', async (_name, authorization) => {
    const res = await (await build(TOKEN)).inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'unauthorized' });
    expect(res.body).not.toMatch(/# TYPE/);
  });

  it('answers with the right bearer token, and leaves /healthz open', async () => {
    const a = await build(TOKEN);
    expect((await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await a.inject('/healthz')).statusCode).toBe(200);
  });
});
