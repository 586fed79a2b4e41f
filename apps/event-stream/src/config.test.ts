import { ConfigError } from '@herald/server-kit';
import { describe, expect, it } from 'vitest';
import { readStreamConfig } from './config.js';

describe('readStreamConfig', () => {
  it('has the documented defaults', () => {
    const config = readStreamConfig({});
    expect(config.port).toBe(8088);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publishToken).toBeUndefined();
    expect(config.retryMs).toBe(2000);
    expect(config.timeIntervalMs).toBe(1000);
    expect(config.heartbeatMs).toBe(15_000);
    expect(config.corsOrigins).toBeUndefined();
  });

  it('reads its own variables', () => {
    const config = readStreamConfig({ PUBLISH_TOKEN: 'a-very-long-secret-token', RETRY_MS: '500', TIME_INTERVAL_MS: '50' });
    expect(config.publishToken).toBe('a-very-long-secret-token');
    expect(config.retryMs).toBe(500);
    expect(config.timeIntervalMs).toBe(50);
  });

  it('reads the connection caps, per user on by default with auth on', () => {
    expect(readStreamConfig({}).connectionLimits).toEqual({ perIp: 0, perUser: 0, trustProxy: undefined });
    const config = readStreamConfig({ AUTH_SECRET: 'test-secret-0123456789-0123456789-ab', MAX_CONNECTIONS_PER_USER: '7', TRUST_PROXY: 'true' });
    expect(config.connectionLimits).toEqual({ perIp: 0, perUser: 7, trustProxy: ['loopback', 'linklocal', 'uniquelocal'] });
  });

  it.each([
    ['PUBLISH_TOKEN', 'short'],
    ['RETRY_MS', 'soon'],
    ['RETRY_MS', '-1'],
    ['TIME_INTERVAL_MS', '0'],
    ['PORT', '70000'],
    ['HEARTBEAT_MS', 'x'],
    ['MAX_CONNECTIONS_PER_IP', '-3'],
    ['MAX_CONNECTIONS_PER_USER', '5'],
    ['TRUST_PROXY', 'proxy.internal'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    let error: unknown;
    try {
      readStreamConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toContain(name);
  });
});
