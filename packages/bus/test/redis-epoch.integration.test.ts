import { compareIds } from '@herald/protocol';
import { deleteKeys, REDIS_TEST_URL, redisAvailable, uniquePrefix, waitUntil } from '@herald/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusStatus } from '../src/bus.js';
import { RedisBus } from '../src/redis-bus.js';

/** The id rules of docs/redis-ha.md on the shared Redis, each test in its own prefix. */
const up = await redisAvailable();
const runPrefix = uniquePrefix('epoch');
let namespaces = 0;
const opened: RedisBus[] = [];
let admin: Redis;

beforeAll(() => {
  if (!up) return;
  admin = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 1 });
  admin.on('error', () => {});
});

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  if (up) {
    admin.disconnect();
    await deleteKeys(runPrefix);
  }
});

interface Opened {
  bus: RedisBus;
  prefix: string;
  warnings: Array<{ obj: object; msg: string }>;
}

async function open(prefix = `${runPrefix}${namespaces++}:`): Promise<Opened> {
  const warnings: Array<{ obj: object; msg: string }> = [];
  const bus = new RedisBus({
    url: REDIS_TEST_URL,
    historySize: 1000,
    keyPrefix: prefix,
    logger: { info() {}, warn: (obj, msg) => warnings.push({ obj, msg: String(msg) }), error() {} },
  });
  opened.push(bus);
  if (!(await bus.waitUntilReady(20_000))) throw new Error('RedisBus did not become ready');
  return { bus, prefix, warnings };
}

/** Drops the bus's command connection (found by its name): it reconnects and checks again. */
async function reconnect(bus: RedisBus): Promise<void> {
  const statuses: BusStatus[] = [];
  const off = bus.onStatus((s) => statuses.push(s));
  const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=herald-command:${bus.instanceId} `));
  if (line === undefined) throw new Error('the bus command connection is not in CLIENT LIST');
  const id = /^id=(\d+) /.exec(line)![1]!;
  expect(await admin.call('CLIENT', 'KILL', 'ID', id)).toBe(1);
  await waitUntil(() => statuses.includes('down') && bus.isReady(), { timeoutMs: 30_000, message: 'the bus to reconnect' });
  off();
}

describe.skipIf(!up)('RedisBus ids across lost writes (epochs)', () => {
  it('never issues an id at or below one it has seen, even when last-id went back (the publish floor)', async () => {
    const { bus, prefix } = await open();
    // A last-id far ahead, seen by the bus, then taken back: a real Redis state.
    await admin.set(`${prefix}last-id`, '900000000000000-5');
    expect(await bus.newestId()).toBe('900000000000000-5');
    await admin.set(`${prefix}last-id`, '1-0');
    const e = await bus.publish('t', '"after"');
    expect(e.id).toBe('900000000000000-6');
    // Every later publish too: the mark moved up with the ack.
    await admin.set(`${prefix}last-id`, '1-0');
    expect((await bus.publish('t', '"again"')).id).toBe('900000000000000-7');
  });

  it('a connect that finds last-id below its mark starts a new epoch above every id seen, and says so', async () => {
    const { bus, prefix, warnings } = await open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await bus.publish('t', String(i))).id);
    expect(bus.ha().epoch).toBe(1);
    expect((await bus.history('t', ids[1])).covered).toBe(true);

    // The data set went back to ids[1]: the writes after it count as lost.
    await admin.set(`${prefix}last-id`, ids[1]!);
    await reconnect(bus);
    const ha = bus.ha();
    expect(ha.epoch).toBe(2);
    expect(ha.epochChanges).toBe(1);
    const since = ha.epochSince!;
    expect(compareIds(since, ids[4]!)).toBeGreaterThan(0);
    expect(await admin.hget(`${prefix}epoch`, 'since')).toBe(since);
    expect(await admin.get(`${prefix}last-id`)).toBe(since);
    const warning = warnings.find((w) => /new epoch/.test(w.msg));
    expect(warning?.obj).toMatchObject({ oldEpoch: 1, newEpoch: 2, since, mark: ids[4], serverLastId: ids[1] });

    // A resume from before the epoch cannot be proven exact; one from its start can.
    expect((await bus.history('t', ids[2])).covered).toBe(false);
    expect((await bus.history('t', ids[4])).covered).toBe(false);
    expect(await bus.history('t', since)).toEqual({ events: [], covered: true });
    const next = await bus.publish('t', '"next"');
    expect(compareIds(next.id, since)).toBeGreaterThan(0);
    expect((await bus.history('t', since)).events.map((e) => e.id)).toEqual([next.id]);

    // A second instance reads the epoch (no bump of its own) and answers the same.
    const other = await open(prefix);
    expect(other.bus.ha()).toMatchObject({ epoch: 2, epochSince: since, epochChanges: 1 });
    expect(other.warnings.filter((w) => /new epoch/.test(w.msg))).toEqual([]);
    expect((await other.bus.history('t', ids[3])).covered).toBe(false);
    // Redis's epoch is not moved by a reconnect that finds everything.
    await reconnect(bus);
    expect(bus.ha().epoch).toBe(2);
  });

  it('a missing last-id with a mark is a loss too; a connect that finds everything is not', async () => {
    const { bus, prefix, warnings } = await open();
    const first = await bus.publish('t', '"1"');
    await reconnect(bus);
    expect(bus.ha()).toMatchObject({ epoch: 1, epochChanges: 0, failovers: 0 });
    expect(warnings.filter((w) => /new epoch/.test(w.msg))).toEqual([]);

    await admin.del(`${prefix}last-id`);
    await reconnect(bus);
    expect(bus.ha().epoch).toBe(2);
    expect(compareIds(bus.ha().epochSince!, first.id)).toBeGreaterThan(0);
    expect((await bus.history('t', first.id)).covered).toBe(false);
  });

  it('history after an id above last-id is not covered, and a huge client id moves neither the clock nor the epoch', async () => {
    const { bus, prefix } = await open();
    const e = await bus.publish('t', '"1"');
    const huge = '999999999999999-999999999999999';
    expect((await bus.history('t', huge)).covered).toBe(false);
    expect((await bus.history('never', huge)).covered).toBe(false);
    expect(await bus.historyBefore('t', huge, 10)).toHaveLength(1);
    expect(await admin.get(`${prefix}last-id`)).toBe(e.id);
    await reconnect(bus);
    expect(bus.ha().epoch).toBe(1);
    expect(await admin.exists(`${prefix}epoch`)).toBe(0);
    const next = await bus.publish('t', '"2"');
    // The clock kept going from Redis's own time, nowhere near the client's id.
    expect(compareIds(next.id, e.id)).toBeGreaterThan(0);
    expect(Number(next.id.split('-')[0])).toBeLessThan(Date.now() + 60_000);
  });

  it('reports where it is connected', async () => {
    const { bus } = await open();
    const url = new URL(REDIS_TEST_URL);
    const ha = bus.ha();
    expect(ha.role).toBe('master');
    expect(ha.master).toMatch(/:\d+$/);
    expect(ha.master!.endsWith(`:${url.port || 6379}`)).toBe(true);
    expect(ha).toMatchObject({ epoch: 1, failovers: 0, waitFailures: 0 });
  });
});
