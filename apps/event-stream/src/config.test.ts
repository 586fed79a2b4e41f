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

  it.each([
    ['PUBLISH_TOKEN', 'short'],
    ['RETRY_MS', 'soon'],
    ['RETRY_MS', '-1'],
    ['TIME_INTERVAL_MS', '0'],
    ['PORT', '70000'],
    ['HEARTBEAT_MS', 'x'],
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
