import { RedisProcess, redisServerInstalled, waitUntil } from '@herald/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../src/redis-bus.js';
import { BusUnavailableError } from '../src/redis-errors.js';

/** REDIS_WAIT_REPLICAS on a master and one replica spawned here. */
const haveRedisServer = redisServerInstalled();
const TIMEOUT_MS = 300;

let master: RedisProcess;
let replica: RedisProcess;
const opened: RedisBus[] = [];

async function replication(port: number): Promise<string> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    return await redis.info('replication');
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  if (!haveRedisServer) return;
  master = await RedisProcess.reserve();
  await master.start();
  replica = await RedisProcess.reserve(['--replicaof', '127.0.0.1', String(master.port)]);
  await replica.start();
  await waitUntil(async () => /slave0:.*state=online/.test(await replication(master.port)), { timeoutMs: 60_000, message: 'the replica to sync' });
}, 90_000);

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  replica?.resume();
  await Promise.all([master?.dispose(), replica?.dispose()]);
});

function openBus(prefix: string): RedisBus {
  const bus = new RedisBus({ url: master.url, historySize: 10_000, keyPrefix: prefix, waitReplicas: 1, waitTimeoutMs: TIMEOUT_MS });
  opened.push(bus);
  return bus;
}

describe.skipIf(!haveRedisServer)('RedisBus with waitReplicas', () => {
  it('acks concurrent publishes once the replica has them, with a few coalesced WAITs, not one each', async () => {
    const bus = openBus('wait-burst:');
    expect(await bus.waitUntilReady(20_000)).toBe(true);
    const N = 500;
    const acked = await Promise.all(Array.from({ length: N }, (_, i) => bus.publish('burst', JSON.stringify(i))));
    expect(new Set(acked.map((e) => e.id)).size).toBe(N);
    // One WAIT covers every write its connection made before it.
    console.log(`${N} concurrent publishes with waitReplicas 1: ${bus.waitsSent} WAITs`);
    expect(bus.waitsSent).toBeGreaterThanOrEqual(1);
    expect(bus.waitsSent).toBeLessThanOrEqual(5);
    // An ack means the replica holds it: read there, not on the master.
    const onReplica = new Redis(replica.url);
    try {
      const entries = (await onReplica.xrange('wait-burst:topic:burst', '-', '+')) as Array<[string, string[]]>;
      expect(entries.map(([id]) => id)).toEqual(acked.map((e) => e.id));
    } finally {
      onReplica.disconnect();
    }
    expect(bus.ha().waitFailures).toBe(0);
  }, 60_000);

  it('rejects publishes the replica did not confirm in time, with the documented message, and recovers', async () => {
    const bus = openBus('wait-stalled:');
    expect(await bus.waitUntilReady(20_000)).toBe(true);
    await bus.publish('stall', '"before"');
    replica.pause();
    try {
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => bus.publish('stall', JSON.stringify(i))));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      const reason = (results[0] as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(BusUnavailableError);
      expect(reason.message).toMatch(
        new RegExp(`^stored on the master but not confirmed by 1 replicas within ${TIMEOUT_MS} ms \\(0 did\\): not acknowledged; retry$`),
      );
      expect(bus.ha().waitFailures).toBeGreaterThanOrEqual(1);
      expect(bus.ha().waitFailures).toBeLessThanOrEqual(bus.waitsSent);
    } finally {
      replica.resume();
    }
    const after = await bus.publish('stall', '"after"');
    expect(after.data).toBe('"after"');
    // Unacknowledged is not unstored: the master kept them (a retry makes a second copy).
    expect((await bus.history('stall', '0-0')).events).toHaveLength(22);
  }, 60_000);
});
