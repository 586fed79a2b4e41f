import { RedisBus } from '@herald/bus';
import { RedisProcess, redisServerInstalled } from '@herald/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer } from './stream.js';

/**
 * REDIS_WAIT_REPLICAS=1 on a Redis without replicas: every publish is stored on the
 * master but never confirmed, which POST /publish must answer as a 503 to retry.
 */
const haveRedisServer = redisServerInstalled();
let redis: RedisProcess;

beforeAll(async () => {
  if (!haveRedisServer) return;
  redis = await RedisProcess.reserve();
  await redis.start();
}, 60_000);

afterEach(closeAll);
afterAll(async () => {
  await redis?.dispose();
});

describe.skipIf(!haveRedisServer)('POST /publish when replicas do not confirm', () => {
  it('answers 503 unavailable with Retry-After, counted in herald_redis_wait_failures_total and /readyz', async () => {
    const bus = new RedisBus({ url: redis.url, historySize: 100, keyPrefix: 'es-wait:', waitReplicas: 1, waitTimeoutMs: 50 });
    expect(await bus.waitUntilReady(20_000)).toBe(true);
    const server = await startServer({}, (memory) => {
      void memory.close();
      return bus;
    });
    const res = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'orders', data: { n: 1 } }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ error: { code: 'unavailable', message: 'message bus unavailable' } });

    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { bus: { redis: Record<string, unknown> } };
    expect(ready.bus.redis).toMatchObject({ master: `127.0.0.1:${redis.port}`, role: 'master', epoch: 1, waitFailures: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^herald_redis_wait_failures_total\{service="event-stream"\} 1$/m);
    expect(metrics).toContain(`herald_redis_master_info{address="127.0.0.1:${redis.port}",service="event-stream"} 1`);
  }, 60_000);
});
