import { redisServerInstalled, replicationInfo, SentinelSet, waitUntil } from '@herald/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../src/redis-bus.js';

/** A master, one replica and three Sentinels, all spawned here on spare loopback ports. */
const haveRedisServer = redisServerInstalled();
const MASTER_NAME = 'herald-test';

const sets: SentinelSet[] = [];
const opened: RedisBus[] = [];

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await Promise.all(sets.map((s) => s.dispose()));
});

describe.skipIf(!haveRedisServer)('RedisBus through Sentinel', () => {
  it('follows a failover by itself: acknowledged events survive, publish and delivery resume on the promoted replica', async () => {
    const set = await SentinelSet.start(MASTER_NAME);
    sets.push(set);
    const { master, replica } = set;
    const openBus = () => {
      const bus = new RedisBus({ sentinel: set.target, historySize: 10_000, keyPrefix: 'sentinel:' });
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

    await set.killMaster();
    await set.waitPromoted();
    await waitUntil(() => publisher.isReady() && subscriber.isReady(), {
      timeoutMs: 60_000,
      message: 'both buses ready again on the promoted replica',
    });
    expect(/role:master/.test(await replicationInfo(replica.port))).toBe(true);
    // The replica had everything either instance saw: the same epoch, one failover each.
    for (const bus of [publisher, subscriber]) {
      expect(bus.ha()).toMatchObject({ master: `127.0.0.1:${replica.port}`, role: 'master', epoch: 1, failovers: 1 });
    }

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
