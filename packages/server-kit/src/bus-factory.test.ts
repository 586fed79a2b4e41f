import { createConnection, createServer } from 'node:net';
import { TopicLimitError, type Bus } from '@herald/bus';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createBus } from './bus-factory.js';
import { readCommonConfig } from './config.js';
import { ConfigError } from './errors.js';

const REDIS = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
const log = Fastify({ logger: { level: 'silent' } }).log;
const opened: Bus[] = [];

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const redisUp = await reachable(REDIS);
if (!redisUp && process.env.CI) throw new Error(`Redis is not reachable at ${REDIS}; CI is set, so this test must run`);
if (!redisUp) console.log(`skipping the Redis half of bus-factory tests: no Redis at ${REDIS}`);

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
});

describe('createBus', () => {
  it('builds the in-memory bus without REDIS_URL', async () => {
    const bus = await createBus(readCommonConfig({}, 8080), log);
    opened.push(bus);
    expect(bus.kind).toBe('memory');
  });

  it('builds a RedisBus through Sentinel with REDIS_SENTINELS, not ready while no Sentinel answers', async () => {
    // A port that was free a moment ago: nothing answers there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const config = readCommonConfig({ REDIS_SENTINELS: `127.0.0.1:${port}`, REDIS_SENTINEL_MASTER: 'nowhere' }, 8080);
    const bus = await createBus(config, log);
    opened.push(bus);
    expect(bus.kind).toBe('redis');
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish('t', 'x')).rejects.toThrow(/sentinel master "nowhere" via 127\.0\.0\.1:/);
  });

  it('builds a RedisBus on a cluster with REDIS_CLUSTER_NODES, not ready while no node answers', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const bus = await createBus(readCommonConfig({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` }, 8080), log);
    opened.push(bus);
    expect(bus.kind).toBe('redis');
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish('t', 'x')).rejects.toThrow(/cluster via 127\.0\.0\.1:/);
  });

  it.skipIf(!redisUp)('builds a ready RedisBus with REDIS_URL, under REDIS_PREFIX', async () => {
    const prefix = `herald-test:factory:${process.pid}-${Date.now()}:`;
    const config = readCommonConfig({ REDIS_URL: REDIS, REDIS_PREFIX: prefix, PRESENCE_TTL_MS: '2000' }, 8080);
    const bus = await createBus(config, log);
    opened.push(bus);
    expect(bus.kind).toBe('redis');
    expect(bus.isReady()).toBe(true);
    expect((bus as unknown as { keyPrefix: string }).keyPrefix).toBe(prefix);
    // Nothing published: the bus's own suites cover that, and this test leaves no keys.
  });

  const capCases: Array<[string, Record<string, string>]> = [['the in-memory bus', {}]];
  if (redisUp) {
    capCases.push(['the RedisBus', { REDIS_URL: REDIS, REDIS_PREFIX: `herald-test:factory-cap:${process.pid}-${Date.now()}:` }]);
  }
  it.each(capCases)('passes MAX_TOPICS to %s', async (_, env) => {
    const bus = await createBus(readCommonConfig({ ...env, MAX_TOPICS: '1' }, 8080), log);
    opened.push(bus);
    const first = bus.subscribe('one', () => {});
    await first.ready;
    expect(() => bus.subscribe('two', () => {})).toThrow(TopicLimitError);
    first.unsubscribe();
  });

  it('reads REDIS_PREFIX and PRESENCE_TTL_MS, refusing bad values by name', () => {
    expect(readCommonConfig({}, 1).redisPrefix).toBeUndefined();
    expect(readCommonConfig({ PRESENCE_TTL_MS: '1500' }, 1).presenceTtlMs).toBe(1500);
    expect(() => readCommonConfig({ REDIS_PREFIX: 'a b' }, 1)).toThrow(ConfigError);
    expect(() => readCommonConfig({ PRESENCE_TTL_MS: '5' }, 1)).toThrow(/PRESENCE_TTL_MS/);
  });
});
