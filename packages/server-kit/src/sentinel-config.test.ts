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

describe('Sentinel configuration', () => {
  it('reads the Sentinels, the master name and both passwords', () => {
    const c = readCommonConfig(
      {
        REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b.internal:26380,[::1]:26381',
        REDIS_SENTINEL_MASTER: 'herald',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
        REDIS_PASSWORD: 'data-secret',
      },
      8080,
    );
    expect(c.redisUrl).toBeUndefined();
    expect(c.redisSentinel).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.internal', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'herald',
      sentinelPassword: 'sentinel-secret',
      password: 'data-secret',
    });
  });

  it('leaves both passwords unset when not given', () => {
    const c = readCommonConfig({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'm' }, 8080);
    expect(c.redisSentinel).toEqual({
      sentinels: [{ host: '127.0.0.1', port: 26379 }],
      masterName: 'm',
      sentinelPassword: undefined,
      password: undefined,
    });
  });

  it('is off without REDIS_SENTINELS', () => {
    expect(readCommonConfig({}, 8080).redisSentinel).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', '"127.0.0.1" is not host:port'],
    ['127.0.0.1:0', '"127.0.0.1:0" is not host:port'],
    ['127.0.0.1:65536', '"127.0.0.1:65536" is not host:port'],
    ['127.0.0.1:26379,,127.0.0.2:26379', '"" is not host:port'],
    ['redis://127.0.0.1:26379', '"redis://127.0.0.1:26379" is not host:port'],
    ['a b:26379', '"a b:26379" is not host:port'],
  ])('refuses REDIS_SENTINELS=%s', (value, message) => {
    const err = configError({ REDIS_SENTINELS: value, REDIS_SENTINEL_MASTER: 'm' });
    expect(err.variable).toBe('REDIS_SENTINELS');
    expect(err.message).toContain(message);
  });

  it('requires REDIS_SENTINEL_MASTER with REDIS_SENTINELS', () => {
    const err = configError({ REDIS_SENTINELS: '127.0.0.1:26379' });
    expect(err.variable).toBe('REDIS_SENTINEL_MASTER');
    expect(err.message).toContain('required');
  });

  it('refuses REDIS_URL and REDIS_SENTINELS together', () => {
    const err = configError({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'm' });
    expect(err.variable).toBe('REDIS_SENTINELS');
    expect(err.message).toContain('not both');
  });

  it.each(['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD', 'REDIS_PASSWORD'])(
    'refuses %s without REDIS_SENTINELS rather than ignoring it',
    (name) => {
      const err = configError({ REDIS_URL: 'redis://127.0.0.1:6379', [name]: 'x' });
      expect(err.variable).toBe(name);
      expect(err.message).toContain('only used with REDIS_SENTINELS');
    },
  );
});
