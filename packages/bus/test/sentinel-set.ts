import { RedisProcess, SentinelProcess, waitUntil } from '@herald/testkit';
import { Redis } from 'ioredis';
import type { SentinelTarget } from '../src/redis-connection.js';

/** A master, one replica and three Sentinels, spawned on spare loopback ports. */
export interface SentinelSet {
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  readonly sentinels: SentinelProcess[];
  readonly target: SentinelTarget;
  dispose(): Promise<void>;
}

/** SENTINEL replies list each node as a flat [field, value, ...] array. */
function fields(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

/** One command on a short-lived connection to a node (the node may be down or stopped). */
export async function onNode<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

export const replicationInfo = (port: number) => onNode(port, (r) => r.info('replication'));

export async function startSentinelSet(masterName: string): Promise<SentinelSet> {
  const master = await RedisProcess.reserve();
  const replica = await RedisProcess.reserve(['--replicaof', '127.0.0.1', String(master.port)]);
  const sentinels: SentinelProcess[] = [];
  const dispose = async () => {
    replica.resume();
    await Promise.all([...sentinels, master, replica].map((p) => p.dispose()));
  };
  try {
    await master.start();
    await replica.start();
    // Synced before the Sentinels start, so their first look at the master lists the replica.
    await waitUntil(async () => /slave0:.*state=online/.test(await replicationInfo(master.port)), {
      timeoutMs: 30_000,
      message: 'the replica to sync',
    });
    for (let i = 0; i < 3; i++) sentinels.push(await SentinelProcess.reserve(masterName, master.port));
    await Promise.all(sentinels.map((s) => s.start()));
    // Each Sentinel sees the replica healthy and the two others: a failover needs both.
    const agree = async () => {
      for (const s of sentinels) {
        const replicas = ((await s.sentinel('replicas', masterName)) as unknown[]).map(fields);
        const peers = (await s.sentinel('sentinels', masterName)) as unknown[];
        const healthy = replicas.filter((r) => r.port === String(replica.port) && r.flags === 'slave' && r['master-link-status'] === 'ok');
        if (healthy.length !== 1 || peers.length !== 2) return false;
      }
      return true;
    };
    await waitUntil(() => agree().catch(() => false), {
      timeoutMs: 60_000,
      message: 'every Sentinel to know the replica and the other two Sentinels',
    });
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    master,
    replica,
    sentinels,
    target: { sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), masterName },
    dispose,
  };
}

/** Kill -9 the master, then wait until every Sentinel names the replica as master. */
export async function killMasterAndWaitForPromotion(set: SentinelSet): Promise<void> {
  await set.master.kill();
  await waitUntil(
    async () => {
      const ports = await Promise.all(set.sentinels.map((s) => s.masterPortNow().catch(() => undefined)));
      return ports.every((p) => p === set.replica.port);
    },
    { timeoutMs: 60_000, message: 'every Sentinel to report the replica promoted' },
  );
}
