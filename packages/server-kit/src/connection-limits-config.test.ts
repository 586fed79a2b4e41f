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
    expect(readConnectionLimitsConfig({}, AUTH_ON)).toEqual({ perIp: 0, perUser: 100, trustProxy: 0 });
    expect(readConnectionLimitsConfig({}, AUTH_OFF)).toEqual({ perIp: 0, perUser: 0, trustProxy: 0 });
  });

  it('reads every variable', () => {
    const env = { MAX_CONNECTIONS_PER_IP: '20', MAX_CONNECTIONS_PER_USER: '5', TRUST_PROXY: '2' };
    expect(readConnectionLimitsConfig(env, AUTH_ON)).toEqual({ perIp: 20, perUser: 5, trustProxy: 2 });
    expect(readConnectionLimitsConfig({ MAX_CONNECTIONS_PER_USER: '0' }, AUTH_ON).perUser).toBe(0);
  });

  it('takes true/on as one proxy and false/off as none', () => {
    for (const value of ['true', 'on', 'TRUE', '1']) expect(readConnectionLimitsConfig({ TRUST_PROXY: value }, AUTH_OFF).trustProxy).toBe(1);
    for (const value of ['false', 'off', '0', '']) expect(readConnectionLimitsConfig({ TRUST_PROXY: value }, AUTH_OFF).trustProxy).toBe(0);
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
    ['TRUST_PROXY', 'yes please', /number of proxies in front/],
    ['TRUST_PROXY', '17', /between 0 and 16/],
  ])('%s=%s is a ConfigError naming it', (name, value, message) => {
    const err = configError(() => readConnectionLimitsConfig({ [name]: value }, AUTH_ON));
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(message);
  });
});
