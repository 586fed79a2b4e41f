import { compareIds } from '@herald/protocol';
import { onNode, redisServerInstalled, replicationInfo, SentinelSet, sleep, waitUntil } from '@herald/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../src/bus.js';
import { RedisBus, type RedisBusOptions } from '../src/redis-bus.js';
import { BusUnavailableError } from '../src/redis-errors.js';

/**
 * A real failover to a replica that lacks acknowledged writes (asynchronous
 * replication), and the same with REDIS_WAIT_REPLICAS=1. See docs/redis-ha.md.
 */
const haveRedisServer = redisServerInstalled();
const sets: SentinelSet[] = [];
const opened: RedisBus[] = [];

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await Promise.all(sets.map((s) => s.dispose()));
});

function openBus(set: SentinelSet, extra: Partial<RedisBusOptions> = {}): RedisBus {
  const bus = new RedisBus({ sentinel: set.target, historySize: 100_000, keyPrefix: 'ha:', ...extra });
  opened.push(bus);
  return bus;
}

/** Every id names one payload: the id → data pairs seen anywhere, checked for a clash. */
function expectOnePayloadPerId(...lists: Array<Array<Pick<BusEvent, 'id' | 'data'>>>): void {
  const seen = new Map<string, string>();
  for (const e of lists.flat()) {
    const before = seen.get(e.id);
    if (before !== undefined) expect({ id: e.id, data: e.data }).toEqual({ id: e.id, data: before });
    seen.set(e.id, e.data);
  }
}

describe.skipIf(!haveRedisServer)('RedisBus ids across a Sentinel failover', () => {
  it('waitReplicas 0, lagging replica: the promoted master starts a new epoch, new ids are above every acked one, the resume says it is not exact', async () => {
    const set = await SentinelSet.start('herald-epoch0');
    sets.push(set);
    const publisher = openBus(set);
    const subscriber = openBus(set);
    expect(await publisher.waitUntilReady(30_000)).toBe(true);
    expect(await subscriber.waitUntilReady(30_000)).toBe(true);
    const live: BusEvent[] = [];
    const sub = subscriber.subscribe('orders', (e) => live.push(e));
    await sub.ready;

    const publish = async (from: number, to: number) => {
      const acked: BusEvent[] = [];
      for (let i = from; i < to; i++) acked.push(await publisher.publish('orders', JSON.stringify(`m${i}`)));
      return acked;
    };
    const replicated = await publish(0, 20);
    // Everything so far is on the replica (WAIT after a write of our own).
    expect(await onNode(set.master.port, async (r) => (await r.set('fence', '1'), r.wait(1, 10_000)))).toBe(1);

    // The replica loses its link for real: it cannot re-authenticate to its master.
    await onNode(set.replica.port, async (r) => {
      await r.config('SET', 'masterauth', 'not-the-password');
      await r.client('KILL', 'TYPE', 'master');
    });
    await waitUntil(async () => /master_link_status:down/.test(await replicationInfo(set.replica.port)), {
      timeoutMs: 20_000,
      message: 'the replica link to be down',
    });
    // Acknowledged by the master alone, and delivered live: lost in the failover.
    const lost = await publish(20, 40);
    await waitUntil(() => live.length >= 40, { timeoutMs: 20_000, message: 'live delivery before the failover' });

    await set.killMaster();
    await set.waitPromoted();
    await waitUntil(() => publisher.isReady() && subscriber.isReady(), { timeoutMs: 60_000, message: 'both buses ready on the promoted replica' });
    const promoted = `127.0.0.1:${set.replica.port}`;
    for (const bus of [publisher, subscriber]) {
      expect(bus.ha()).toMatchObject({ master: promoted, role: 'master', epoch: 2, failovers: 1 });
    }
    const since = publisher.ha().epochSince!;
    expect(compareIds(since, lost.at(-1)!.id)).toBeGreaterThan(0);
    expect(await onNode(set.replica.port, (r) => r.hget('ha:epoch', 'n'))).toBe('2');

    const after = await publish(40, 60);
    const newest = lost.at(-1)!.id;
    for (const e of after) expect(compareIds(e.id, newest)).toBeGreaterThan(0);
    await waitUntil(() => live.length >= 60, { timeoutMs: 30_000, message: 'live delivery after the failover' });
    expectOnePayloadPerId(replicated, lost, after, live);
    expect(live.map((e) => e.data)).toEqual([...replicated, ...lost, ...after].map((e) => e.data));

    // What the promoted master has: the replicated events and the new ones, not the lost.
    const all = await subscriber.history('orders', '0-0', 1000);
    expect(all.events.map((e) => e.id)).toEqual([...replicated, ...after].map((e) => e.id));
    expectOnePayloadPerId(all.events, replicated, lost, after);
    // A resume from before the failover cannot be exact, and says so.
    for (const from of [replicated[10]!.id, replicated.at(-1)!.id, lost[5]!.id, newest]) {
      expect((await subscriber.history('orders', from, 1000)).covered).toBe(false);
    }
    const fresh = await subscriber.history('orders', since, 1000);
    expect(fresh).toEqual({ events: after, covered: true });
    sub.unsubscribe();
  }, 180_000);

  it('waitReplicas 1: every acked publish survives the failover, no new epoch, the resume is exact; publishes during the switch are refused', async () => {
    const set = await SentinelSet.start('herald-epoch1');
    sets.push(set);
    const publisher = openBus(set, { waitReplicas: 1, waitTimeoutMs: 500 });
    expect(await publisher.waitUntilReady(30_000)).toBe(true);

    const acked: BusEvent[] = [];
    const refused: Error[] = [];
    let stop = false;
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push(await publisher.publish('orders', JSON.stringify(`m${i}`)));
        } catch (err) {
          refused.push(err as Error);
          await sleep(20);
        }
      }
    })();
    await waitUntil(() => acked.length >= 50, { timeoutMs: 30_000, message: 'traffic before the failover' });
    const beforeKill = acked.length;
    await set.killMaster();
    await set.waitPromoted();
    // The promoted master has no replica until the old one is back as its replica:
    // Sentinel turns it into one after it has reported itself master for about 8 s
    // (and its INFO is polled every 10 s), then it resyncs.
    await set.master.start();
    await waitUntil(async () => /connected_slaves:1/.test(await replicationInfo(set.replica.port)), {
      timeoutMs: 120_000,
      message: 'the old master back as a replica of the promoted one',
    });
    await waitUntil(() => acked.length >= beforeKill + 30 && publisher.ha().master === `127.0.0.1:${set.replica.port}`, {
      timeoutMs: 60_000,
      message: 'acked traffic after the failover',
    });
    stop = true;
    await traffic;

    expect(refused.length).toBeGreaterThan(0);
    for (const err of refused) expect(err).toBeInstanceOf(BusUnavailableError);
    expect(publisher.ha()).toMatchObject({ epoch: 1, failovers: 1 });

    const reader = openBus(set);
    expect(await reader.waitUntilReady(30_000)).toBe(true);
    const stored = (await reader.history('orders', '0-0', 100_000)).events;
    const storedIds = new Set(stored.map((e) => e.id));
    expect(acked.filter((e) => !storedIds.has(e.id))).toEqual([]);
    expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length);
    expectOnePayloadPerId(acked, stored);
    // A resume from before the failover: exact, and everything acked after it is there.
    const from = acked[beforeKill - 10]!;
    const resume = await reader.history('orders', from.id, 100_000);
    expect(resume.covered).toBe(true);
    expect(resume.events).toEqual(stored.filter((e) => compareIds(e.id, from.id) > 0));
    expect(reader.ha().epoch).toBe(1);
  }, 300_000);
});
