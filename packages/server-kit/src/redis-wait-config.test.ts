import { describe, expect, it } from 'vitest';
import { readCommonConfig } from './config.js';
import { ConfigError } from './errors.js';

const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379' };

describe('REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS', () => {
  it('are unset by default (the bus defaults: 0 replicas, 1000 ms)', () => {
    const c = readCommonConfig(REDIS, 8080);
    expect(c.redisWaitReplicas).toBeUndefined();
    expect(c.redisWaitTimeoutMs).toBeUndefined();
  });

  it('read with REDIS_CLUSTER_NODES too', () => {
    expect(readCommonConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_WAIT_REPLICAS: '1' }, 8080)).toMatchObject({ redisWaitReplicas: 1 });
  });

  it('read both with REDIS_URL or REDIS_SENTINELS, defaulting the other', () => {
    expect(readCommonConfig({ ...REDIS, REDIS_WAIT_REPLICAS: '2' }, 8080)).toMatchObject({ redisWaitReplicas: 2, redisWaitTimeoutMs: 1000 });
    const sentinel = { REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_WAIT_TIMEOUT_MS: '250' };
    expect(readCommonConfig(sentinel, 8080)).toMatchObject({ redisWaitReplicas: 0, redisWaitTimeoutMs: 250 });
  });

  it.each([
    [{ ...REDIS, REDIS_WAIT_REPLICAS: 'one' }, 'REDIS_WAIT_REPLICAS', /whole number/],
    [{ ...REDIS, REDIS_WAIT_REPLICAS: '101' }, 'REDIS_WAIT_REPLICAS', /between 0 and 100/],
    [{ ...REDIS, REDIS_WAIT_TIMEOUT_MS: '0' }, 'REDIS_WAIT_TIMEOUT_MS', /between 1 and 60000/],
    [{ ...REDIS, REDIS_WAIT_TIMEOUT_MS: '-5' }, 'REDIS_WAIT_TIMEOUT_MS', /whole number/],
    [{ REDIS_WAIT_REPLICAS: '1' }, 'REDIS_WAIT_REPLICAS', /only used with REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES/],
    [{ REDIS_WAIT_TIMEOUT_MS: '500' }, 'REDIS_WAIT_TIMEOUT_MS', /only used with REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES/],
  ])('refuses %j, naming %s', (env, variable, detail) => {
    let error: unknown;
    try {
      readCommonConfig(env, 8080);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(detail);
  });
});
