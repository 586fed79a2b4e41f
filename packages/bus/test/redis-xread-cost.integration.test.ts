import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../src/bus.js';
import { RedisBus } from '../src/redis-bus.js';
import { freePort, redisAvailable, RedisProcess, uniquePrefix, waitUntil } from '@herald/testkit';

const up = await redisAvailable();
const PUBLISHES = 200;
const EMPTY_TOPICS = 3200;

interface XreadCost {
  calls: number;
  usec: number;
}

/** cmdstat_xread of a Redis, from INFO commandstats (server-side time, not wall time). */
async function xreadStats(redis: Redis): Promise<XreadCost> {
  const info = await redis.info('commandstats');
  const line = info.split('\r\n').find((l) => l.startsWith('cmdstat_xread:'));
  const calls = Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  const usec = Number(/usec=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  return { calls, usec };
}

// A private Redis: commandstats are server-wide, and the shared one serves other suites.
describe.skipIf(!up)('RedisBus read cost (INFO commandstats)', () => {
  let server: RedisProcess;
  let admin: Redis;
  let bus: RedisBus;

  beforeAll(async () => {
    server = new RedisProcess(await freePort());
    await server.start();
    admin = new Redis(server.url);
    bus = new RedisBus({ url: server.url, historySize: 1000, keyPrefix: uniquePrefix('xread-cost') });
    if (!(await bus.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
  }, 30_000);

  afterAll(async () => {
    await bus?.close();
    admin?.disconnect();
    await server?.dispose();
  });

  /** XREAD cost per publish on one live topic, each publish delivered before the next. */
  async function costPerPublish(got: BusEvent[]): Promise<{ usecPerPublish: number; callsPerPublish: number }> {
    await admin.config('RESETSTAT');
    const before = await xreadStats(admin);
    for (let i = 0; i < PUBLISHES; i++) {
      const seen = got.length;
      await bus.publish('hot', String(i));
      await waitUntil(() => got.length > seen, { timeoutMs: 10_000, message: `delivery of publish ${i}` });
    }
    const after = await xreadStats(admin);
    return {
      usecPerPublish: (after.usec - before.usec) / PUBLISHES,
      callsPerPublish: (after.calls - before.calls) / PUBLISHES,
    };
  }

  /** The keys of every XREAD the bus sends while `run` runs (MONITOR sees each command as sent). */
  async function xreadKeys(run: () => Promise<void>): Promise<string[][]> {
    const monitor = await admin.monitor();
    const reads: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (String(args[0]).toLowerCase() !== 'xread') return;
      const streams = args.findIndex((a) => String(a).toLowerCase() === 'streams');
      const rest = args.slice(streams + 1);
      reads.push(rest.slice(0, rest.length / 2));
    });
    try {
      await run();
    } finally {
      monitor.disconnect();
    }
    return reads;
  }

  // The saving is that empty topics are not named in the read (what an XREAD costs grows
  // with its keys); timings are printed, not asserted, since the machine is shared.
  it(`an XREAD names only existing topics, with ${EMPTY_TOPICS} empty subscriptions too`, async () => {
    await bus.publish('hot', '"exists"');
    const got: BusEvent[] = [];
    const hot = bus.subscribe('hot', (e) => got.push(e));
    await hot.ready;
    const none = await costPerPublish(got);

    const empty = Array.from({ length: EMPTY_TOPICS }, (_, i) => bus.subscribe(`empty.${i}`, () => {}));
    await Promise.all(empty.map((s) => s.ready));
    let withEmpty = { usecPerPublish: 0, callsPerPublish: 0 };
    const reads = await xreadKeys(async () => {
      withEmpty = await costPerPublish(got);
    });
    console.log(
      `xread per publish: none ${none.usecPerPublish.toFixed(1)} us / ${none.callsPerPublish.toFixed(2)} calls; ` +
        `${EMPTY_TOPICS} empty ${withEmpty.usecPerPublish.toFixed(1)} us / ${withEmpty.callsPerPublish.toFixed(2)} calls`,
    );
    expect(got).toHaveLength(2 * PUBLISHES);
    expect(reads.length).toBeGreaterThan(0);
    const named = new Set(reads.flat());
    expect([...named].filter((key) => key.includes('empty.'))).toEqual([]);
    expect([...named].some((key) => key.endsWith('topic:hot'))).toBe(true);
    expect(Math.max(...reads.map((keys) => keys.length))).toBeLessThanOrEqual(2);
    for (const s of [hot, ...empty]) s.unsubscribe();
  }, 60_000);
});
