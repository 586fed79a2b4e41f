import { ClusterProcess, onNode, RedisProcess, redisServerInstalled, uniquePrefix, waitUntil } from '@herald/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusOptions } from '../src/bus.js';
import { RedisBus, type RedisBusOptions } from '../src/redis-bus.js';
import { BusUnavailableError } from '../src/redis-errors.js';
import { describeBusContract } from './bus-contract.js';
import { crashMidTraffic } from './crash-mid-traffic.js';

/** A 3-master Redis Cluster spawned here on spare loopback ports (redis-server and redis-cli). */
const haveRedisServer = redisServerInstalled();
const runPrefix = uniquePrefix('cluster');
let namespaces = 0;
let cluster: ClusterProcess;
const opened: RedisBus[] = [];

function openBus(options: Partial<RedisBusOptions> & Pick<BusOptions, 'historySize'>): RedisBus {
  const bus = new RedisBus({ cluster: { nodes: cluster.addresses }, keyPrefix: `${runPrefix}${namespaces++}:`, ...options });
  opened.push(bus);
  return bus;
}

async function openReady(options: Partial<RedisBusOptions> & Pick<BusOptions, 'historySize'>): Promise<RedisBus> {
  const bus = openBus(options);
  if (!(await bus.waitUntilReady(20_000))) throw new Error('RedisBus on the cluster did not become ready');
  return bus;
}

/** Every key whose name contains `text`, per master port (SCAN is per node on a cluster). */
async function keysByMaster(text: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const port of await cluster.masterPorts()) {
    const found: string[] = [];
    await onNode(port, async (r) => {
      let cursor = '0';
      do {
        const [next, page] = await r.scan(cursor, 'MATCH', `*${text}*`, 'COUNT', 500);
        cursor = next;
        found.push(...page);
      } while (cursor !== '0');
    });
    out.set(port, [...new Set(found)]);
  }
  return out;
}

beforeAll(async () => {
  if (haveRedisServer) cluster = await ClusterProcess.start({ masters: 3 });
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await cluster?.dispose();
});

describe.skipIf(!haveRedisServer)('RedisBus on a 3-master Redis Cluster', () => {
  describeBusContract('RedisBus (cluster)', { create: (options) => openReady(options) });

  it('keeps every key it writes in one hash slot, on one master', async () => {
    const prefix = `${runPrefix}slot:`;
    const a = await openReady({ historySize: 3, keyPrefix: prefix, presenceTtlMs: 600 });
    const b = await openReady({ historySize: 3, keyPrefix: prefix, presenceTtlMs: 600 });
    const got: string[] = [];
    const sub = b.subscribe('news', (e) => got.push(e.id));
    await sub.ready;
    // Topic creation, trimming (historySize 3), events with a name, two topics.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.publish('news', `"${i}"`, i % 2 ? { event: 'tick' } : {})).id);
    await a.publish('other', '"x"');
    await waitUntil(() => got.length === 5, { timeoutMs: 20_000, message: 'the five events' });
    expect(got).toEqual(ids);
    expect((await b.history('news', ids[1])).events.map((e) => e.id)).toEqual(ids.slice(2));
    expect((await b.history('news', ids[0])).covered).toBe(false);
    expect(await b.newestId()).toBe((await a.history('other')).events[0]!.id);
    // Presence with occupancy (journal transitions), a leave, rooms by SCAN, members.
    const changes: string[] = [];
    const presence = b.presence.subscribe('room', (c) => changes.push(`${c.event}:${c.connectionId}`));
    await presence.ready;
    await a.presence.join('room', 'c1', { id: 'u1', name: 'alice' }, { occupancy: 'users' });
    await b.presence.join('room', 'c2', { id: 'u2', name: 'bob' }, { occupancy: 'users' });
    await a.presence.join('lobby', 'c3', { id: 'u1', name: 'alice' });
    await a.presence.leave('lobby', 'c3');
    await waitUntil(() => changes.length === 2, { timeoutMs: 20_000, message: 'the two joins' });
    expect(changes).toEqual(['join:c1', 'join:c2']);
    expect((await b.presence.members('room')).map((m) => m.connectionId)).toEqual(['c1', 'c2']);
    expect(await b.presence.rooms('ro')).toEqual(['room']);
    // The journal: a note, a lease, a cursor, a commit.
    const note = await a.journal.append('room', 'hello');
    expect(await a.journal.lead('hooks', 'me', 5000)).toBe(true);
    // The first cursor is the journal's newest entry.
    expect(await a.journal.cursor('hooks')).toBe(note);
    const entries = await a.journal.read('0-0', 100);
    expect(entries.map((e) => e.kind)).toEqual(['occupied', 'user-joined', 'user-joined', 'note']);
    expect(await a.journal.commit('hooks', 'me', note)).toBe(true);

    const byMaster = await keysByMaster(prefix);
    const holding = [...byMaster].filter(([, keys]) => keys.length > 0);
    expect(holding).toHaveLength(1);
    const keys = holding[0]![1];
    const tag = `{${prefix}}`;
    const kinds = new Set(keys.map((k) => (k.startsWith(tag) ? k.slice(tag.length).split(':')[0] : k)));
    expect([...kinds].sort()).toEqual(
      ['instance-rooms', 'instances', 'journal', 'journal-cursor', 'journal-lease', 'last-id', 'new-topics', 'occupancy', 'presence', 'presence-seq', 'topic'].sort(),
    );
    const slots = await onNode(holding[0]![0], (r) => Promise.all(keys.map((k) => r.cluster('KEYSLOT', k))));
    expect(new Set(slots).size).toBe(1);
    expect(slots[0]).toBe(await onNode(holding[0]![0], (r) => r.cluster('KEYSLOT', tag)));
    sub.unsubscribe();
    presence.unsubscribe();
  }, 120_000);

  it('refuses a key prefix that would not be one hash tag', () => {
    for (const keyPrefix of ['', 'a{b', 'a}b']) {
      expect(() => new RedisBus({ cluster: { nodes: cluster.addresses }, keyPrefix, historySize: 10 })).toThrow(/keyPrefix/);
    }
  });

  it('says why when a listed node is not in cluster mode, and stays not ready', async () => {
    const plain = await RedisProcess.reserve();
    try {
      await plain.start();
      const warnings: string[] = [];
      const bus = openBus({
        cluster: { nodes: [{ host: '127.0.0.1', port: plain.port }] },
        historySize: 10,
        logger: { info() {}, warn: (obj) => warnings.push(String((obj as { err?: unknown }).err)), error() {} },
      });
      await waitUntil(() => warnings.length > 0, { timeoutMs: 20_000, message: 'the warning' });
      expect(warnings[0]).toContain(`127.0.0.1:${plain.port}: ERR This instance has cluster support disabled`);
      expect(bus.isReady()).toBe(false);
      await expect(bus.publish('t', '1')).rejects.toBeInstanceOf(BusUnavailableError);
      await bus.close();
    } finally {
      await plain.dispose();
    }
  }, 60_000);

  it('survives a kill -9 of the slot\'s master mid-traffic: every acknowledged publish stored and delivered exactly once', async () => {
    const prefix = `${runPrefix}crash:`;
    await crashMidTraffic({
      open: () => openBus({ historySize: 100_000, keyPrefix: prefix }),
      crash: async () => {
        const port = await cluster.ownerOf(`{${prefix}}last-id`);
        await cluster.kill(port);
        return () => cluster.start(port);
      },
    });
  }, 180_000);
});
