import { isIP } from 'node:net';
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
   * TRUST_PROXY: the addresses of the reverse proxies in front (Fastify's `trustProxy`
   * list; undefined: none, the socket's peer is the client). request.ip is then the
   * right-most X-Forwarded-For address that is not itself a trusted proxy: the peer
   * the nearest proxy saw. Entries further left are the client's own words.
   */
  trustProxy: readonly string[] | undefined;
}

export const CONNECTION_LIMIT_DEFAULTS = {
  MAX_CONNECTIONS_PER_IP: 0,
  /** With auth on; with auth off the per-user cap does not exist. */
  MAX_CONNECTIONS_PER_USER: 100,
} as const;

/** What TRUST_PROXY=true trusts: proxies on this host or a private network, never a public peer. */
export const TRUST_PROXY_PRIVATE = ['loopback', 'linklocal', 'uniquelocal'] as const;

const MAX_CAP = 1_000_000;
// The range names Fastify's proxy-addr knows.
const RANGE_NAMES = new Set<string>(TRUST_PROXY_PRIVATE);

function isProxyEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Off, `true` (proxies at loopback and private addresses), or a list of proxy
 * addresses and CIDRs. Never Fastify's `trustProxy: true` (every hop), which takes
 * the left-most X-Forwarded-For entry, whatever the client itself wrote there; nor
 * a bare hop count, which Fastify 5 ignores: it cannot tell a proxy from a client
 * that reached the service directly and wrote the header itself.
 */
function readTrustProxy(env: Env): readonly string[] | undefined {
  const value = readString(env, 'TRUST_PROXY');
  const lower = value?.toLowerCase();
  if (value === undefined || lower === 'false' || lower === 'off') return undefined;
  if (lower === 'true' || lower === 'on') return TRUST_PROXY_PRIVATE;
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.find((entry) => !isProxyEntry(entry));
  if (bad !== undefined || entries.length === 0) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be true, false, or the proxies' addresses (IPs, CIDRs, loopback, linklocal, uniquelocal) separated by commas; "${bad ?? value}" is none of these`,
    );
  }
  return entries;
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

/** Fastify's `trustProxy` server option for TRUST_PROXY: request.ip is what the limits count. */
export function trustProxyOption({ trustProxy }: Pick<ConnectionLimitsConfig, 'trustProxy'>): false | string[] {
  return trustProxy === undefined ? false : [...trustProxy];
}
