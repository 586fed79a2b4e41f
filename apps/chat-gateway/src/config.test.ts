import { ConfigError } from '@herald/server-kit';
import { describe, expect, it } from 'vitest';
import { readGatewayConfig } from './config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    readGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('readGatewayConfig', () => {
  it('has the documented defaults', () => {
    const config = readGatewayConfig({});
    expect(config.auth.token).toBeUndefined();
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      rateLimit: 20,
      historyOnJoin: 50,
      joinRateLimit: 10,
      joinBurst: 100,
      maxJoinHistoryBytes: 1_048_576,
      corsOrigins: undefined,
      redisUrl: undefined,
    });
  });

  it('reads every gateway variable', () => {
    const config = readGatewayConfig({
      PORT: '9000',
      AUTH_SECRET: 'a-secret-that-is-at-least-32-bytes',
      AUTH_DEFAULT_ROOMS: 'lobby,team-*',
      RATE_LIMIT: '0',
      HISTORY_ON_JOIN: '7',
      JOIN_RATE_LIMIT: '0',
      JOIN_BURST: '5',
      MAX_JOIN_HISTORY_BYTES: '4096',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).toMatchObject({
      port: 9000,
      auth: { token: { kind: 'secret', algorithms: ['HS256'] }, policy: { defaultRooms: ['lobby', 'team-*'] } },
      rateLimit: 0,
      historyOnJoin: 7,
      joinRateLimit: 0,
      joinBurst: 5,
      maxJoinHistoryBytes: 4096,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('reads the connection caps, per user on by default with auth on', () => {
    expect(readGatewayConfig({}).connectionLimits).toEqual({ perIp: 0, perUser: 0, trustProxy: undefined });
    const config = readGatewayConfig({
      AUTH_SECRET: 'test-secret-0123456789-0123456789-ab',
      MAX_CONNECTIONS_PER_IP: '30',
      TRUST_PROXY: '10.0.0.0/8',
    });
    expect(config.connectionLimits).toEqual({ perIp: 30, perUser: 100, trustProxy: ['10.0.0.0/8'] });
  });

  it.each([
    ['PORT', 'abc'],
    ['RATE_LIMIT', '-1'],
    ['RATE_LIMIT', 'fast'],
    ['HISTORY_ON_JOIN', '1.5'],
    ['JOIN_RATE_LIMIT', '-1'],
    ['JOIN_BURST', '0'],
    ['MAX_JOIN_HISTORY_BYTES', '100'],
    ['AUTH_SECRET', 'short'],
    ['HEARTBEAT_MS', '5'],
    ['CORS_ORIGINS', 'https://a.example/path'],
    ['MAX_CONNECTIONS_PER_IP', 'many'],
    ['MAX_CONNECTIONS_PER_USER', '5'],
    ['TRUST_PROXY', '2'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.variable).toBe(name);
    expect(err.message.startsWith(`${name}: `)).toBe(true);
  });
});
