import { describe, expect, it } from 'vitest';
import { COMMON_DEFAULTS, readCommonConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('readCommonConfig', () => {
  it('uses documented defaults on an empty environment', () => {
    expect(readCommonConfig({}, 8080)).toEqual({
      port: 8080,
      host: COMMON_DEFAULTS.HOST,
      listenBacklog: 511,
      drainTimeoutMs: 9000,
      redisUrl: undefined,
      corsOrigins: undefined,
      historySize: 1000,
      heartbeatMs: 15000,
      maxMessageBytes: 65536,
      maxBufferedBytes: 1048576,
      logLevel: 'info',
      topicTtlMs: 86_400_000,
      maxTopics: 10_000,
    });
  });

  it('reads every variable', () => {
    const c = readCommonConfig(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        REDIS_URL: 'redis://127.0.0.1:6379/0',
        CORS_ORIGINS: 'https://a.example, http://localhost:5173',
        HISTORY_SIZE: '10',
        HEARTBEAT_MS: '500',
        MAX_MESSAGE_BYTES: '1024',
        MAX_BUFFERED_BYTES: '4096',
        LOG_LEVEL: 'warn',
        TOPIC_TTL_MS: '60000',
        MAX_TOPICS: '50',
        LISTEN_BACKLOG: '4096',
        DRAIN_TIMEOUT_MS: '30000',
      },
      8080,
    );
    expect(c.port).toBe(9000);
    expect(c.corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379/0');
    expect(c.logLevel).toBe('warn');
    expect(c.topicTtlMs).toBe(60_000);
    expect(c.maxTopics).toBe(50);
    expect(c.listenBacklog).toBe(4096);
    expect(c.drainTimeoutMs).toBe(30_000);
  });

  it.each([
    ['PORT', 'abc', /PORT: must be a whole number/],
    ['PORT', '70000', /PORT: must be between/],
    ['HISTORY_SIZE', '0', /HISTORY_SIZE/],
    ['HEARTBEAT_MS', '-5', /HEARTBEAT_MS/],
    ['MAX_MESSAGE_BYTES', '1.5', /MAX_MESSAGE_BYTES/],
    ['MAX_BUFFERED_BYTES', '10', /MAX_BUFFERED_BYTES/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL/],
    ['REDIS_URL', 'http://x', /REDIS_URL: must start with redis:/],
    ['CORS_ORIGINS', 'https://a.example/path', /CORS_ORIGINS: .* did you mean "https:\/\/a.example"/],
    ['CORS_ORIGINS', 'not an origin', /CORS_ORIGINS/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: must be one of/],
    ['TOPIC_TTL_MS', '10', /TOPIC_TTL_MS: must be between 1000 and 2147483647/],
    ['TOPIC_TTL_MS', '1h', /TOPIC_TTL_MS: must be a whole number/],
    ['MAX_TOPICS', '0', /MAX_TOPICS: must be between 1 and/],
    ['MAX_TOPICS', '-1', /MAX_TOPICS/],
    ['LISTEN_BACKLOG', '0', /LISTEN_BACKLOG: must be between 1 and/],
    ['DRAIN_TIMEOUT_MS', '10', /DRAIN_TIMEOUT_MS: must be between 100 and 600000/],
  ])('refuses %s=%j with an error naming it', (name, value, pattern) => {
    const read = () => readCommonConfig({ [name]: value }, 8080);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(pattern);
  });
});
