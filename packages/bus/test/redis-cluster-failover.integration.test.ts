import { compareIds } from '@herald/protocol';
import { ClusterProcess, onNode, redisServerInstalled, uniquePrefix, waitUntil } from '@herald/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusStatus } from '../src/bus.js';
import { RedisBus } from '../src/redis-bus.js';

/**
 * A Redis Cluster of 3 masters with a replica each, spawned here. The writes before a
 * failover are confirmed on the replica (WAIT) before it: what an unconfirmed write
 * risks on a failover is the business of REDIS_WAIT_REPLICAS, not of this suite.
 */
const haveRedisServer = redisServerInstalled();
const runPrefix = uniquePrefix('cluster-ha');
let cluster: ClusterProcess;
const opened: RedisBus[] = [];

beforeAll(async () => {
  if (haveRedisServer) cluster = await ClusterProcess.start({ masters: 3, replicas: 1 });
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await cluster?.dispose();
});

/** A publisher and a subscriber on `prefix`, with `count` events published, delivered and confirmed on the replica. */
async function trafficBefore(prefix: string, count: number) {
  const open = () => {
    const bus = new RedisBus({ cluster: { nodes: cluster.addresses }, keyPrefix: prefix, historySize: 10_000 });
    opened.push(bus);
    return bus;
  };
  const publisher = open();
  const subscriber = open();
  expect(await publisher.waitUntilReady(20_000)).toBe(true);
  expect(await subscriber.waitUntilReady(20_000)).toBe(true);
  const statuses: BusStatus[] = [];
  subscriber.onStatus((s) => statuses.push(s));
  const live: string[] = [];
  const sub = subscriber.subscribe('traffic', (e) => live.push(e.id));
  await sub.ready;
  const acked: string[] = [];
  for (let i = 0; i < count; i++) acked.push((await publisher.publish('traffic', JSON.stringify(i))).id);
  await waitUntil(() => live.length === count, { timeoutMs: 20_000, message: 'delivery before the failover' });
  const shard = await cluster.shardOf(`{${prefix}}last-id`);
  expect(shard.replicas).toHaveLength(1);
  // WAIT counts replicas that have this connection's last write: write once, then wait.
  const confirmed = await onNode(shard.master, async (r) => {
    await r.incr(`{${prefix}}sync-probe`);
    return r.wait(1, 10_000);
  });
  expect(confirmed).toBe(1);
  return { publisher, subscriber, statuses, live, acked, shard };
}

/** After the failover: the old events all there, new ones published and delivered once, in order. */
async function trafficAfter(t: Awaited<ReturnType<typeof trafficBefore>>, count: number): Promise<void> {
  await waitUntil(() => t.publisher.isReady() && t.subscriber.isReady(), { timeoutMs: 60_000, message: 'both buses on the new master' });
  // Publishes may still be refused while the cluster settles; each is retried until acknowledged.
  for (let i = 0; i < count; i++) {
    await waitUntil(
      () =>
        t.publisher.publish('traffic', JSON.stringify(`after ${i}`)).then(
          (e) => (t.acked.push(e.id), true),
          () => false,
        ),
      { timeoutMs: 30_000, message: 'a publish on the new master' },
    );
  }
  // A publish cut off mid-flight may be stored without its ack: stored ⊇ acked, never a gap.
  const stored = (await t.publisher.history('traffic', '0-0', 100_000)).events.map((e) => e.id);
  expect(t.acked.filter((id) => !stored.includes(id))).toEqual([]);
  expect(new Set(stored).size).toBe(stored.length);
  await waitUntil(() => t.live.length >= stored.length, { timeoutMs: 30_000, message: 'delivery after the failover' });
  expect(t.live).toEqual(stored);
  expect([...t.live].sort(compareIds)).toEqual(t.live);
}

describe.skipIf(!haveRedisServer)('RedisBus on a Redis Cluster with replicas', () => {
  it('follows the replica promoted after a kill -9 of the slot\'s master', async () => {
    const prefix = `${runPrefix}kill:`;
    const t = await trafficBefore(prefix, 30);
    await cluster.kill(t.shard.master);
    await waitUntil(() => !t.subscriber.isReady(), { timeoutMs: 10_000, message: 'the subscriber to notice' });
    await waitUntil(async () => (await cluster.ownerOf(`{${prefix}}last-id`).catch(() => 0)) === t.shard.replicas[0], {
      timeoutMs: 60_000,
      message: 'the replica to be promoted',
    });
    await trafficAfter(t, 30);
    expect(t.statuses).toEqual(['down', 'ready']);
    // The old master comes back as a replica of the new one.
    await cluster.start(t.shard.master);
  }, 180_000);

  it('follows a manual failover (CLUSTER FAILOVER): the old master, alive and demoted, answers MOVED', async () => {
    const prefix = `${runPrefix}manual:`;
    const t = await trafficBefore(prefix, 30);
    await onNode(t.shard.replicas[0]!, (r) => r.cluster('FAILOVER'));
    await waitUntil(async () => (await cluster.ownerOf(`{${prefix}}last-id`).catch(() => 0)) === t.shard.replicas[0], {
      timeoutMs: 60_000,
      message: 'the replica to take over',
    });
    await trafficAfter(t, 30);
  }, 180_000);
});
