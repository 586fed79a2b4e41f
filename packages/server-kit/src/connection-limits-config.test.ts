import { describe, expect, it } from 'vitest';
import { readConnectionLimitsConfig } from './connection-limits-config.js';
import { ConfigError } from './errors.js';

const AUTH_ON = { token: { kind: 'secret', key: new Uint8Array(32), algorithms: ['HS256'] } } as const;
const AUTH_OFF = { token: undefined };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError thrown');
}

describe('readConnectionLimitsConfig', () => {
  it('defaults: per IP off, per user 100 with auth on and off without it, no proxy trusted', () => {
    expect(readConnectionLimitsConfig({}, AUTH_ON)).toEqual({ perIp: 0, perUser: 100, trustProxy: undefined });
    expect(readConnectionLimitsConfig({}, AUTH_OFF)).toEqual({ perIp: 0, perUser: 0, trustProxy: undefined });
  });

  it('reads every variable', () => {
    const env = { MAX_CONNECTIONS_PER_IP: '20', MAX_CONNECTIONS_PER_USER: '5', TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,fd00::/8' };
    expect(readConnectionLimitsConfig(env, AUTH_ON)).toEqual({ perIp: 20, perUser: 5, trustProxy: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'] });
    expect(readConnectionLimitsConfig({ MAX_CONNECTIONS_PER_USER: '0' }, AUTH_ON).perUser).toBe(0);
  });

  it('takes true/on as proxies at loopback and private addresses, false/off as none', () => {
    for (const value of ['true', 'on', 'TRUE']) {
      expect(readConnectionLimitsConfig({ TRUST_PROXY: value }, AUTH_OFF).trustProxy).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    }
    for (const value of ['false', 'off', 'OFF', '']) expect(readConnectionLimitsConfig({ TRUST_PROXY: value }, AUTH_OFF).trustProxy).toBeUndefined();
    expect(readConnectionLimitsConfig({ TRUST_PROXY: 'loopback' }, AUTH_OFF).trustProxy).toEqual(['loopback']);
  });

  it('refuses a per-user cap without auth: an unverified name is never counted', () => {
    const err = configError(() => readConnectionLimitsConfig({ MAX_CONNECTIONS_PER_USER: '3' }, AUTH_OFF));
    expect(err.variable).toBe('MAX_CONNECTIONS_PER_USER');
    expect(err.message).toMatch(/no effect without AUTH_SECRET or AUTH_PUBLIC_KEY/);
    // Saying 0 explicitly is harmless.
    expect(readConnectionLimitsConfig({ MAX_CONNECTIONS_PER_USER: '0' }, AUTH_OFF).perUser).toBe(0);
  });

  it.each([
    ['MAX_CONNECTIONS_PER_IP', '-1', /whole number/],
    ['MAX_CONNECTIONS_PER_IP', 'ten', /whole number/],
    ['MAX_CONNECTIONS_PER_USER', '1.5', /whole number/],
    ['MAX_CONNECTIONS_PER_USER', '2000000', /between 0 and 1000000/],
    ['TRUST_PROXY', 'yes please', /"yes please" is none of these/],
    // A hop count: Fastify 5 would trust nothing, and the operator believe otherwise.
    ['TRUST_PROXY', '1', /"1" is none of these/],
    ['TRUST_PROXY', '10.0.0.0/33', /"10.0.0.0\/33"/],
    ['TRUST_PROXY', '10.0.0.1, proxy.internal', /"proxy.internal"/],
    ['TRUST_PROXY', ',', /none of these/],
  ])('%s=%s is a ConfigError naming it', (name, value, message) => {
    const err = configError(() => readConnectionLimitsConfig({ [name]: value }, AUTH_ON));
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(message);
  });
});
