import { createConnection } from 'node:net';
import { RedisBus } from '@herald/bus';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { opsPlugin } from './ops-plugin.js';

const REDIS = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const redisUp = await reachable(REDIS);
if (!redisUp && process.env.CI) throw new Error(`Redis is not reachable at ${REDIS}; CI is set, so this test must run`);
if (!redisUp) console.log(`skipping the /readyz and /metrics Redis tests: no Redis at ${REDIS}`);

const apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

async function build(): Promise<{ app: FastifyInstance; bus: RedisBus }> {
  // Nothing is published: the epoch check of a fresh instance writes no key.
  const bus = new RedisBus({ url: REDIS, historySize: 10, keyPrefix: `herald-test:ops:${process.pid}-${Date.now()}:` });
  if (!(await bus.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
  const app = Fastify();
  apps.push(app);
  await app.register(opsPlugin, { bus, metrics: createMetrics('test', { defaultMetrics: false }) });
  app.addHook('onClose', () => bus.close());
  return { app, bus };
}

describe.skipIf(!redisUp)('/readyz and /metrics on a Redis bus', () => {
  it('/readyz names the master, its role, the epoch and the failovers seen', async () => {
    const { app } = await build();
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    const { port } = new URL(REDIS);
    expect(res.json()).toEqual({
      status: 'ready',
      bus: {
        kind: 'redis',
        ready: true,
        redis: { master: expect.stringMatching(new RegExp(`:${port || 6379}$`)), role: 'master', epoch: 1, failovers: 0, epochChanges: 0, waitFailures: 0 },
      },
      draining: false,
    });
  });

  it('/metrics has the epoch, failovers, master and WAIT failure series', async () => {
    const { app, bus } = await build();
    const body = (await app.inject('/metrics')).body;
    expect(body).toMatch(/^# TYPE herald_redis_epoch gauge$/m);
    expect(body).toMatch(/^herald_redis_epoch\{service="test"\} 1$/m);
    expect(body).toMatch(/^# TYPE herald_redis_failovers_total counter$/m);
    expect(body).toMatch(/^herald_redis_failovers_total\{service="test"\} 0$/m);
    const master = bus.ha().master!;
    expect(body).toContain(`herald_redis_master_info{address="${master}",service="test"} 1`);
    expect(body).toMatch(/^herald_redis_wait_failures_total\{service="test"\} 0$/m);
  });

  it('answers 503 with Retry-After once the bus is down, and no master', async () => {
    const { app, bus } = await build();
    await bus.close();
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().bus.redis.master).toBeUndefined();
    expect((await app.inject('/metrics')).body).not.toContain('herald_redis_master_info{');
  });
});
