import { RedisProcess, redisServerInstalled, SentinelProcess, waitUntil } from '@herald/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../src/redis-bus.js';
import type { SentinelTarget } from '../src/redis-connection.js';

/** A master, one replica and three Sentinels, all spawned here on spare loopback ports. */
const haveRedisServer = redisServerInstalled();
const MASTER_NAME = 'herald-test';

const servers: RedisProcess[] = [];
const sentinels: SentinelProcess[] = [];
const opened: RedisBus[] = [];

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await Promise.all([...sentinels, ...servers].map((p) => p.dispose()));
});

/** SENTINEL replies list each node as a flat [field, value, ...] array. */
function fields(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

async function info(port: number, section: string): Promise<string> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    return await redis.info(section);
  } finally {
    redis.disconnect();
  }
}

/** Each Sentinel sees the replica healthy and the two other Sentinels: a failover needs both. */
async function sentinelsAgree(replicaPort: number): Promise<boolean> {
  for (const s of sentinels) {
    const replicas = ((await s.sentinel('replicas', MASTER_NAME)) as unknown[]).map(fields);
    const peers = (await s.sentinel('sentinels', MASTER_NAME)) as unknown[];
    const healthy = replicas.filter((r) => r.port === String(replicaPort) && r.flags === 'slave' && r['master-link-status'] === 'ok');
    if (healthy.length !== 1 || peers.length !== 2) return false;
  }
  return true;
}

describe.skipIf(!haveRedisServer)('RedisBus through Sentinel', () => {
  it('follows a failover by itself: acknowledged events survive, publish and delivery resume on the promoted replica', async () => {
    const master = await RedisProcess.reserve();
    servers.push(master);
    await master.start();
    const replica = await RedisProcess.reserve(['--replicaof', '127.0.0.1', String(master.port)]);
    servers.push(replica);
    await replica.start();
    // Synced before the Sentinels start, so their first look at the master lists the replica.
    await waitUntil(async () => /slave0:.*state=online/.test(await info(master.port, 'replication')), {
      timeoutMs: 30_000,
      message: 'the replica to sync',
    });
    for (let i = 0; i < 3; i++) sentinels.push(await SentinelProcess.reserve(MASTER_NAME, master.port));
    await Promise.all(sentinels.map((s) => s.start()));
    await waitUntil(() => sentinelsAgree(replica.port).catch(() => false), {
      timeoutMs: 60_000,
      message: 'every Sentinel to know the replica and the other two Sentinels',
    });

    const target: SentinelTarget = {
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      masterName: MASTER_NAME,
    };
    const openBus = () => {
      const bus = new RedisBus({ sentinel: target, historySize: 10_000, keyPrefix: 'sentinel:' });
      opened.push(bus);
      return bus;
    };
    const publisher = openBus();
    const subscriber = openBus();
    expect(await publisher.waitUntilReady(20_000)).toBe(true);
    expect(await subscriber.waitUntilReady(20_000)).toBe(true);
    const live: string[] = [];
    const sub = subscriber.subscribe('orders', (e) => live.push(e.id));
    await sub.ready;

    const before: string[] = [];
    for (let i = 0; i < 20; i++) before.push((await publisher.publish('orders', JSON.stringify(i))).id);
    await waitUntil(() => live.length >= before.length, { timeoutMs: 20_000, message: 'live delivery before the failover' });
    expect(live).toEqual(before);

    // Replication is asynchronous: a write of our own followed by WAIT 1 proves the
    // replica has everything the master applied before it, acks included.
    const admin = new Redis({ host: '127.0.0.1', port: master.port, maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    try {
      await admin.set('sentinel-test:fence', '1');
      expect(await admin.wait(1, 10_000)).toBe(1);
    } finally {
      admin.disconnect();
    }

    await master.kill();
    await waitUntil(
      async () => {
        const ports = await Promise.all(sentinels.map((s) => s.masterPortNow().catch(() => undefined)));
        return ports.every((p) => p === replica.port);
      },
      { timeoutMs: 60_000, message: 'every Sentinel to report the replica promoted' },
    );
    await waitUntil(() => publisher.isReady() && subscriber.isReady(), {
      timeoutMs: 60_000,
      message: 'both buses ready again on the promoted replica',
    });
    expect(/role:master/.test(await info(replica.port, 'replication'))).toBe(true);

    const after: string[] = [];
    for (let i = 20; i < 40; i++) after.push((await publisher.publish('orders', JSON.stringify(i))).id);
    await waitUntil(() => live.length >= before.length + after.length, {
      timeoutMs: 30_000,
      message: 'live delivery after the failover',
    });
    expect(live).toEqual([...before, ...after]);

    const history = await subscriber.history('orders', '0-0', 1000);
    expect(history.events.map((e) => e.id)).toEqual([...before, ...after]);
    expect(history.events.map((e) => e.data)).toEqual(Array.from({ length: 40 }, (_, i) => JSON.stringify(i)));
    sub.unsubscribe();
  }, 180_000);
});
