import { describe, expect, it } from 'vitest';
import { readCommonConfig } from './config.js';
import { ConfigError } from './errors.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    readCommonConfig(env, 8080);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('Redis Cluster configuration', () => {
  it('reads the nodes and REDIS_PASSWORD', () => {
    const c = readCommonConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, node-b.internal:7001,[::1]:7002', REDIS_PASSWORD: 'secret' }, 8080);
    expect(c.redisUrl).toBeUndefined();
    expect(c.redisSentinel).toBeUndefined();
    expect(c.redisCluster).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'node-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'secret',
    });
  });

  it('is off without REDIS_CLUSTER_NODES', () => {
    expect(readCommonConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, 8080).redisCluster).toBeUndefined();
  });

  it.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:7000,,127.0.0.1:7001', 'redis://127.0.0.1:7000'])(
    'refuses REDIS_CLUSTER_NODES=%s by name',
    (value) => {
      const err = configError({ REDIS_CLUSTER_NODES: value });
      expect(err.variable).toBe('REDIS_CLUSTER_NODES');
      expect(err.message).toContain('is not host:port');
    },
  );

  it.each([
    [{ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'REDIS_URL and REDIS_CLUSTER_NODES are set'],
    [{ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'REDIS_SENTINELS and REDIS_CLUSTER_NODES are set'],
    [
      { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: '127.0.0.1:7000' },
      'not all three',
    ],
  ])('refuses more than one Redis target (%j), naming the variables', (env, message) => {
    const err = configError(env);
    expect(err.variable).toBe('REDIS_CLUSTER_NODES');
    expect(err.message).toContain('set one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES');
    expect(err.message).toContain(message);
  });

  it('refuses REDIS_PASSWORD with REDIS_URL or alone', () => {
    const envs: Array<Record<string, string>> = [{ REDIS_PASSWORD: 'x' }, { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PASSWORD: 'x' }];
    for (const env of envs) {
      const err = configError(env);
      expect(err.variable).toBe('REDIS_PASSWORD');
      expect(err.message).toContain('only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES');
    }
  });

  it('refuses a REDIS_PREFIX with braces in cluster mode (it becomes a hash tag), not on one Redis', () => {
    const err = configError({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PREFIX: 'a{b}:' });
    expect(err.variable).toBe('REDIS_PREFIX');
    expect(err.message).toContain('{ or }');
    expect(readCommonConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'a{b}:' }, 8080).redisPrefix).toBe('a{b}:');
  });
});
