import { ConfigError } from '@herald/server-kit';
import { describe, expect, it } from 'vitest';
import { PUSHER_DEFAULTS, readPusherConfig } from './config.js';

describe('readPusherConfig', () => {
  it('is off when no Pusher variable is set', () => {
    const config = readPusherConfig({});
    expect(config.apps).toBeUndefined();
    expect(config.activityTimeoutSeconds).toBe(PUSHER_DEFAULTS.PUSHER_ACTIVITY_TIMEOUT);
    expect(config.maxEventDataBytes).toBe(10_240);
  });

  it('reads PUSHER_MAX_EVENT_DATA_BYTES', () => {
    expect(readPusherConfig({ PUSHER_MAX_EVENT_DATA_BYTES: '2048' }).maxEventDataBytes).toBe(2048);
  });

  it('reads one app from PUSHER_APP_ID/KEY/SECRET', () => {
    const config = readPusherConfig({ PUSHER_APP_ID: '42', PUSHER_APP_KEY: 'key-1', PUSHER_APP_SECRET: 'secret-123' });
    expect(config.apps?.byKey('key-1')).toEqual({ id: '42', key: 'key-1', secret: 'secret-123' });
  });

  it('reads several apps from PUSHER_APPS', () => {
    const list = [
      { id: 1, key: 'a', secret: 'secret-aaa' },
      { id: 'b', key: 'b', secret: 'secret-bbb' },
    ];
    const config = readPusherConfig({ PUSHER_APPS: JSON.stringify(list) });
    expect(config.apps?.byId('1')?.key).toBe('a');
    expect(config.apps?.size).toBe(2);
  });

  it('reads the webhook URL and batch window; no URL, no webhooks', () => {
    expect(readPusherConfig({}).webhook).toBeUndefined();
    const app = { PUSHER_APP_ID: '42', PUSHER_APP_KEY: 'key-1', PUSHER_APP_SECRET: 'secret-123' };
    expect(readPusherConfig({ ...app, PUSHER_WEBHOOK_URL: 'https://app.example/pusher/webhooks' }).webhook).toEqual({
      url: 'https://app.example/pusher/webhooks',
      batchMs: PUSHER_DEFAULTS.PUSHER_WEBHOOK_BATCH_MS,
    });
    expect(readPusherConfig({ ...app, PUSHER_WEBHOOK_URL: 'http://127.0.0.1:9/hooks', PUSHER_WEBHOOK_BATCH_MS: '250' }).webhook?.batchMs).toBe(250);
  });

  it.each([
    [{ PUSHER_WEBHOOK_URL: 'ftp://example.com/' }, /^PUSHER_WEBHOOK_URL: must start with http:\/\/ or https:\/\//],
    [{ PUSHER_WEBHOOK_URL: 'not a url' }, /^PUSHER_WEBHOOK_URL: must be a URL/],
    [{ PUSHER_WEBHOOK_BATCH_MS: '5' }, /^PUSHER_WEBHOOK_BATCH_MS: must be between 10 and 60000/],
    [{ PUSHER_WEBHOOK_URL: 'https://app.example/hooks' }, /^PUSHER_WEBHOOK_URL: is set but no Pusher app is/],
    [{ PUSHER_APP_ID: '1', PUSHER_APP_KEY: 'k' }, /^PUSHER_APP_SECRET: is required/],
    [{ PUSHER_APPS: '[' }, /^PUSHER_APPS: is not valid JSON/],
    [{ PUSHER_APP_ID: '1', PUSHER_APP_KEY: 'k', PUSHER_APP_SECRET: 'short' }, /^PUSHER_APP_SECRET: must be at least/],
    [{ PUSHER_ACTIVITY_TIMEOUT: '0' }, /^PUSHER_ACTIVITY_TIMEOUT: must be between/],
    [{ PUSHER_PONG_TIMEOUT_MS: 'x' }, /^PUSHER_PONG_TIMEOUT_MS: must be a whole number/],
    [{ PUSHER_MAX_EVENT_DATA_BYTES: '0' }, /^PUSHER_MAX_EVENT_DATA_BYTES: must be between/],
  ])('a bad value is a one-line ConfigError naming the variable (%j)', (env, pattern) => {
    const read = () => readPusherConfig(env);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(pattern);
  });
});
