import type { AuthConfig } from './auth-config.js';
import { readInt, readString } from './config.js';
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

/** Both services read these the same way; each is in the README's env table. */
export interface ConnectionLimitsConfig {
  /** MAX_CONNECTIONS_PER_IP; 0: no cap. */
  perIp: number;
  /** MAX_CONNECTIONS_PER_USER (verified token users only); 0: no cap. */
  perUser: number;
  /**
   * TRUST_PROXY: how many reverse proxies stand in front of the service; 0: none, the
   * socket's peer is the client. Given to Fastify as `trustProxy: n`, so request.ip is
   * the address the outermost of those n proxies saw (the n-th X-Forwarded-For entry
   * from the right), never an entry a client wrote further left.
   */
  trustProxy: number;
}

export const CONNECTION_LIMIT_DEFAULTS = {
  MAX_CONNECTIONS_PER_IP: 0,
  /** With auth on; with auth off the per-user cap does not exist. */
  MAX_CONNECTIONS_PER_USER: 100,
  TRUST_PROXY: 0,
} as const;

const MAX_CAP = 1_000_000;
const MAX_PROXY_HOPS = 16;

function readTrustProxy(env: Env): number {
  const value = readString(env, 'TRUST_PROXY')?.toLowerCase();
  if (value === 'false' || value === 'off') return 0;
  // "true" is one proxy, not Fastify's `true` (trust every hop), which would take the
  // left-most X-Forwarded-For entry: whatever the client itself sent.
  if (value === 'true' || value === 'on') return 1;
  if (value !== undefined && !/^\d+$/.test(value)) {
    throw new ConfigError('TRUST_PROXY', `must be the number of proxies in front (0-${MAX_PROXY_HOPS}) or true/false, got "${value}"`);
  }
  return readInt(env, 'TRUST_PROXY', CONNECTION_LIMIT_DEFAULTS.TRUST_PROXY, 0, MAX_PROXY_HOPS);
}

/**
 * MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_USER and TRUST_PROXY. Per user counts
 * verified token subjects only: with auth off a name is whatever the client claims,
 * and a cap on it would let anyone lock a name out, so setting it without a key is
 * refused like the other settings that would silently do nothing.
 */
export function readConnectionLimitsConfig(env: Env, auth: Pick<AuthConfig, 'token'>): ConnectionLimitsConfig {
  const authOn = auth.token !== undefined;
  const perUser = readInt(env, 'MAX_CONNECTIONS_PER_USER', authOn ? CONNECTION_LIMIT_DEFAULTS.MAX_CONNECTIONS_PER_USER : 0, 0, MAX_CAP);
  if (!authOn && perUser > 0) {
    throw new ConfigError(
      'MAX_CONNECTIONS_PER_USER',
      'has no effect without AUTH_SECRET or AUTH_PUBLIC_KEY (unverified names are never counted); use MAX_CONNECTIONS_PER_IP',
    );
  }
  return {
    perIp: readInt(env, 'MAX_CONNECTIONS_PER_IP', CONNECTION_LIMIT_DEFAULTS.MAX_CONNECTIONS_PER_IP, 0, MAX_CAP),
    perUser,
    trustProxy: readTrustProxy(env),
  };
}
