import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent, BusStatus, PresenceChange } from '../src/bus.js';
import { RedisBus, type RedisBusOptions } from '../src/redis-bus.js';
import { BusUnavailableError } from '../src/redis-errors.js';
import { crashMidTraffic } from './crash-mid-traffic.js';
import { probeRedis, RedisProcess, redisServerInstalled, waitUntil } from '@herald/testkit';

/** These tests run their own redis-server; they need the binary, not the shared Redis. */
const haveRedisServer = redisServerInstalled();

const servers: RedisProcess[] = [];
const opened: RedisBus[] = [];

async function newServer(): Promise<RedisProcess> {
  const server = await RedisProcess.reserve();
  servers.push(server);
  return server;
}

function openBus(url: string, extra: Partial<RedisBusOptions> = {}): RedisBus {
  const bus = new RedisBus({ url, historySize: 100_000, keyPrefix: 'failover:', ...extra });
  opened.push(bus);
  return bus;
}

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await Promise.all(servers.map((s) => s.dispose()));
});

describe.skipIf(!haveRedisServer)('RedisBus when Redis fails', () => {
  it('starts without Redis, says so, then becomes ready when Redis comes up', async () => {
    const server = await newServer();
    const warnings: string[] = [];
    const bus = openBus(server.url, {
      logger: { info() {}, warn: (_obj, msg) => warnings.push(String(msg)), error() {} },
    });
    const statuses: BusStatus[] = [];
    bus.onStatus((s) => statuses.push(s));
    const got: BusEvent[] = [];
    const sub = bus.subscribe('early', (e) => got.push(e));
    const changes: PresenceChange[] = [];
    const presenceSub = bus.presence.subscribe('room', (c) => changes.push(c));

    await waitUntil(() => warnings.length > 0, { timeoutMs: 10_000, message: 'the warning' });
    expect(warnings[0]).toMatch(/unreachable/);
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish('early', '1')).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(bus.presence.join('room', 'c1', { id: 'u', name: 'n' })).rejects.toBeInstanceOf(BusUnavailableError);

    await server.start();
    expect(await bus.waitUntilReady(20_000)).toBe(true);
    expect(statuses).toEqual(['ready']);
    await Promise.all([sub.ready, presenceSub.ready]);
    const e = await bus.publish('early', '2');
    await bus.presence.join('room', 'c1', { id: 'u', name: 'n' });
    await waitUntil(() => got.length >= 1 && changes.length >= 1, { timeoutMs: 10_000, message: 'delivery after start' });
    expect(got.map((x) => x.id)).toEqual([e.id]);
    expect(changes.map((c) => c.event)).toEqual(['join']);
    // The warning came once, not once per reconnect attempt.
    expect(warnings.filter((w) => /unreachable/.test(w))).toHaveLength(1);
  }, 60_000);

  it('survives a Redis crash mid-traffic: every acknowledged publish is stored and delivered exactly once', async () => {
    const server = await newServer();
    await server.start();
    await crashMidTraffic({
      open: () => openBus(server.url),
      crash: async () => {
        await server.kill();
        return () => server.start();
      },
    });
  }, 120_000);

  it('registers its members again when Redis lost its data', async () => {
    const server = await newServer();
    await server.start();
    const bus = openBus(server.url, { presenceTtlMs: 600 });
    expect(await bus.waitUntilReady(10_000)).toBe(true);
    await bus.presence.join('room', 'c1', { id: 'u1', name: 'alice' });
    const { Redis } = await import('ioredis');
    const admin = new Redis(server.url);
    try {
      await admin.flushall();
      expect(await admin.exists('failover:presence:room')).toBe(0);
    } finally {
      admin.disconnect();
    }
    await waitUntil(async () => (await bus.presence.members('room')).length === 1, { timeoutMs: 15_000, message: 'the member to be back' });
    expect(await bus.presence.members('room')).toEqual([{ connectionId: 'c1', user: { id: 'u1', name: 'alice' } }]);
    expect(await probeRedis(server.url)).toBe(true);
  }, 60_000);
});
