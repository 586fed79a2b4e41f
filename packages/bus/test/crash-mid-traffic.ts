import { compareIds } from '@herald/protocol';
import { sleep, waitUntil } from '@herald/testkit';
import { expect } from 'vitest';
import type { BusStatus } from '../src/bus.js';
import type { RedisBus } from '../src/redis-bus.js';
import { BusUnavailableError } from '../src/redis-errors.js';

export interface CrashScenario {
  /** A new bus on the Redis under test (not waited for). */
  open(): RedisBus;
  /** Crashes the Redis holding the data (kill -9); resolves to what brings it back. */
  crash(): Promise<() => Promise<void>>;
}

/**
 * A publisher and a subscriber under steady traffic while Redis crashes and comes
 * back: every acknowledged publish is stored once and delivered once, in id order,
 * publishes while down are refused with BusUnavailableError, and the subscriber's
 * status goes down then ready. Shared by the single-Redis and the cluster suites.
 */
export async function crashMidTraffic(scenario: CrashScenario): Promise<void> {
  const publisher = scenario.open();
  const subscriber = scenario.open();
  expect(await publisher.waitUntilReady(20_000)).toBe(true);
  expect(await subscriber.waitUntilReady(20_000)).toBe(true);
  const statuses: BusStatus[] = [];
  subscriber.onStatus((s) => statuses.push(s));
  const live: string[] = [];
  const sub = subscriber.subscribe('traffic', (e) => live.push(e.id));
  await sub.ready;

  const acked: string[] = [];
  let rejected = 0;
  let stop = false;
  const publishing = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        acked.push((await publisher.publish('traffic', JSON.stringify(i))).id);
      } catch (err) {
        expect(err).toBeInstanceOf(BusUnavailableError);
        rejected++;
        await sleep(20);
      }
    }
  })();

  await waitUntil(() => acked.length >= 50, { timeoutMs: 20_000, message: 'traffic before the crash' });
  const restart = await scenario.crash();
  await waitUntil(() => !publisher.isReady() && !subscriber.isReady(), { timeoutMs: 10_000, message: 'both buses to notice' });
  await waitUntil(() => rejected > 0, { timeoutMs: 10_000, message: 'a rejected publish while down' });
  await restart();
  await waitUntil(() => publisher.isReady() && subscriber.isReady(), { timeoutMs: 60_000, message: 'both buses to recover' });
  const mark = acked.length;
  await waitUntil(() => acked.length >= mark + 50, { timeoutMs: 30_000, message: 'traffic after the restart' });
  stop = true;
  await publishing;

  const history = await publisher.history('traffic', '0-0', 1_000_000);
  const stored = history.events.map((e) => e.id);
  expect(new Set(stored).size).toBe(stored.length);
  const storedSet = new Set(stored);
  expect(acked.filter((id) => !storedSet.has(id))).toEqual([]);

  await waitUntil(() => acked.every((id) => live.includes(id)), { timeoutMs: 30_000, message: 'live delivery of every ack' });
  expect(new Set(live).size).toBe(live.length);
  expect([...live].sort(compareIds)).toEqual(live);
  expect(statuses).toEqual(['down', 'ready']);
  // The AOF kept every write either bus saw: no new epoch. The restarted node is a new
  // server process, which each bus counts as a failover.
  for (const bus of [publisher, subscriber]) {
    expect(bus.ha().epoch).toBe(1);
    expect(bus.ha().failovers).toBeGreaterThanOrEqual(1);
  }
  sub.unsubscribe();
}
