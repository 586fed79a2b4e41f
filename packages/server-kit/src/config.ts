import type { ClusterTarget, SentinelTarget } from '@herald/bus';
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

/** Settings both services read; each documented in the README with its default. */
export interface CommonConfig {
  port: number;
  host: string;
  /** LISTEN_BACKLOG: the kernel's accept queue for the listening socket (capped by net.core.somaxconn). */
  listenBacklog?: number | undefined;
  /** DRAIN_TIMEOUT_MS: on SIGTERM, exit 1 if closing every connection takes longer. */
  drainTimeoutMs?: number | undefined;
  redisUrl: string | undefined;
  /** REDIS_SENTINELS and friends: the master through Sentinel; never set together with redisUrl. */
  redisSentinel?: SentinelTarget | undefined;
  /** REDIS_CLUSTER_NODES (and REDIS_PASSWORD): a cluster-mode Redis; never set together with the other two. */
  redisCluster?: ClusterTarget | undefined;
  /** undefined: any origin (no credentials). Otherwise the exact allowed origins. */
  corsOrigins: string[] | undefined;
  historySize: number;
  heartbeatMs: number;
  maxMessageBytes: number;
  maxBufferedBytes: number;
  logLevel: string;
  /** REDIS_PREFIX: prefix of every Redis key (Redis bus only); unset: "herald:". */
  redisPrefix?: string | undefined;
  /** PRESENCE_TTL_MS: a silent instance's members are dropped after this (Redis bus only); unset: 10000. */
  presenceTtlMs?: number | undefined;
  /** TOPIC_TTL_MS: a topic with no subscriber and no publish this long is forgotten (both buses). */
  topicTtlMs?: number | undefined;
  /** MAX_TOPICS: distinct topics one instance subscribes to at most; past it, subscribe fails (503). */
  maxTopics?: number | undefined;
  /** REDIS_WAIT_REPLICAS: a publish is acked once WAIT confirms this many replicas (Redis bus only); unset: 0. */
  redisWaitReplicas?: number | undefined;
  /** REDIS_WAIT_TIMEOUT_MS: how long that WAIT may take; unset: 1000. */
  redisWaitTimeoutMs?: number | undefined;
}

export const COMMON_DEFAULTS = {
  HOST: '127.0.0.1',
  HISTORY_SIZE: 1000,
  HEARTBEAT_MS: 15_000,
  MAX_MESSAGE_BYTES: 64 * 1024,
  MAX_BUFFERED_BYTES: 1024 * 1024,
  LOG_LEVEL: 'info',
  TOPIC_TTL_MS: 24 * 60 * 60 * 1000,
  MAX_TOPICS: 10_000,
  REDIS_WAIT_REPLICAS: 0,
  REDIS_WAIT_TIMEOUT_MS: 1000,
  LISTEN_BACKLOG: 511,
  DRAIN_TIMEOUT_MS: 9000,
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function readString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function readUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${value}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return value;
}

export function readOrigins(env: Env, name: string): string[] | undefined {
  const value = raw(env, name);
  if (value === undefined || value === '*') return undefined;
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(name, `"${origin}" is not an origin like https://example.com`);
    }
    if (url.origin !== origin) {
      throw new ConfigError(name, `"${origin}" is not an origin (scheme://host[:port], no path), did you mean "${url.origin}"?`);
    }
  }
  return origins;
}

function readRedisPrefix(env: Env): string | undefined {
  const value = raw(env, 'REDIS_PREFIX');
  if (value !== undefined && !/^[^\s]{1,64}$/.test(value)) {
    throw new ConfigError('REDIS_PREFIX', `must be 1-64 characters without spaces, got "${value}"`);
  }
  if (value !== undefined && raw(env, 'REDIS_CLUSTER_NODES') !== undefined && /[{}]/.test(value)) {
    // On a cluster the prefix is wrapped as a hash tag, {prefix}: a brace would end it early.
    throw new ConfigError('REDIS_PREFIX', `must not contain { or } with REDIS_CLUSTER_NODES, got "${value}"`);
  }
  return value;
}

/** host:port, the host a name, an IPv4 address or a bracketed IPv6 address. */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):(\d{1,5})$/;

export function readHostPorts(env: Env, name: string): Array<{ host: string; port: number }> | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  return value.split(',').map((item) => {
    const entry = item.trim();
    const match = HOST_PORT.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(name, `"${entry}" is not host:port (a comma list like 10.0.0.1:26379,10.0.0.2:26379)`);
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

const SENTINEL_ONLY = ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'] as const;

/** The three ways to say where Redis is; at most one may be set. */
const REDIS_TARGETS = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;

function checkOneTarget(env: Env): void {
  const set = REDIS_TARGETS.filter((name) => raw(env, name) !== undefined);
  if (set.length > 1) {
    const which = set.length === 2 ? 'not both' : 'not all three';
    throw new ConfigError(set.at(-1)!, `set one of ${REDIS_TARGETS.join(', ')}, ${which} (${set.join(' and ')} are set)`);
  }
  if (raw(env, 'REDIS_PASSWORD') !== undefined && set[0] !== 'REDIS_SENTINELS' && set[0] !== 'REDIS_CLUSTER_NODES') {
    throw new ConfigError('REDIS_PASSWORD', 'is only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES (with REDIS_URL the password goes in the URL)');
  }
}

/**
 * Cluster mode: any nodes of the cluster (each connection asks them who serves
 * Herald's slot); the nodes' password comes from REDIS_PASSWORD.
 */
function readCluster(env: Env): ClusterTarget | undefined {
  const nodes = readHostPorts(env, 'REDIS_CLUSTER_NODES');
  return nodes === undefined ? undefined : { nodes, password: raw(env, 'REDIS_PASSWORD') };
}

/**
 * Sentinel mode (REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES exclude each
 * other: see checkOneTarget); the master's password comes from REDIS_PASSWORD, database 0.
 */
function readSentinel(env: Env): SentinelTarget | undefined {
  const sentinels = readHostPorts(env, 'REDIS_SENTINELS');
  if (sentinels === undefined) {
    const stray = SENTINEL_ONLY.find((name) => raw(env, name) !== undefined);
    if (stray !== undefined) throw new ConfigError(stray, 'is only used with REDIS_SENTINELS, which is not set');
    return undefined;
  }
  const masterName = raw(env, 'REDIS_SENTINEL_MASTER');
  if (masterName === undefined) {
    throw new ConfigError('REDIS_SENTINEL_MASTER', 'is required with REDIS_SENTINELS (the name in "sentinel monitor <name> ...")');
  }
  return {
    sentinels,
    masterName,
    sentinelPassword: raw(env, 'REDIS_SENTINEL_PASSWORD'),
    password: raw(env, 'REDIS_PASSWORD'),
  };
}

/**
 * REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS: only with a Redis bus (the in-memory bus
 * has no replicas to wait for, and a silently ignored durability setting is worse
 * than a start-up error).
 */
function readWait(env: Env): Pick<CommonConfig, 'redisWaitReplicas' | 'redisWaitTimeoutMs'> {
  const names = ['REDIS_WAIT_REPLICAS', 'REDIS_WAIT_TIMEOUT_MS'] as const;
  const set = names.find((name) => raw(env, name) !== undefined);
  if (set === undefined) return {};
  if (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].every((name) => raw(env, name) === undefined)) {
    throw new ConfigError(set, 'is only used with REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES (the in-memory bus has no replicas)');
  }
  return {
    redisWaitReplicas: readInt(env, 'REDIS_WAIT_REPLICAS', COMMON_DEFAULTS.REDIS_WAIT_REPLICAS, 0, 100),
    redisWaitTimeoutMs: readInt(env, 'REDIS_WAIT_TIMEOUT_MS', COMMON_DEFAULTS.REDIS_WAIT_TIMEOUT_MS, 1, 60_000),
  };
}

export function readCommonConfig(env: Env, defaultPort: number): CommonConfig {
  const logLevel = raw(env, 'LOG_LEVEL') ?? COMMON_DEFAULTS.LOG_LEVEL;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  checkOneTarget(env);
  return {
    port: readInt(env, 'PORT', defaultPort, 0, 65535),
    host: raw(env, 'HOST') ?? COMMON_DEFAULTS.HOST,
    listenBacklog: readInt(env, 'LISTEN_BACKLOG', COMMON_DEFAULTS.LISTEN_BACKLOG, 1, 1_000_000),
    drainTimeoutMs: readInt(env, 'DRAIN_TIMEOUT_MS', COMMON_DEFAULTS.DRAIN_TIMEOUT_MS, 100, 600_000),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisSentinel: readSentinel(env),
    redisCluster: readCluster(env),
    corsOrigins: readOrigins(env, 'CORS_ORIGINS'),
    historySize: readInt(env, 'HISTORY_SIZE', COMMON_DEFAULTS.HISTORY_SIZE, 1, 1_000_000),
    heartbeatMs: readInt(env, 'HEARTBEAT_MS', COMMON_DEFAULTS.HEARTBEAT_MS, 100, 3_600_000),
    maxMessageBytes: readInt(env, 'MAX_MESSAGE_BYTES', COMMON_DEFAULTS.MAX_MESSAGE_BYTES, 64, 64 * 1024 * 1024),
    maxBufferedBytes: readInt(env, 'MAX_BUFFERED_BYTES', COMMON_DEFAULTS.MAX_BUFFERED_BYTES, 1024, 1024 * 1024 * 1024),
    logLevel,
    redisPrefix: readRedisPrefix(env),
    presenceTtlMs: raw(env, 'PRESENCE_TTL_MS') === undefined ? undefined : readInt(env, 'PRESENCE_TTL_MS', 0, 100, 3_600_000),
    // At most 2^31-1 ms: the longest timer delay Node honours (about 24.8 days).
    topicTtlMs: readInt(env, 'TOPIC_TTL_MS', COMMON_DEFAULTS.TOPIC_TTL_MS, 1000, 2 ** 31 - 1),
    maxTopics: readInt(env, 'MAX_TOPICS', COMMON_DEFAULTS.MAX_TOPICS, 1, 1_000_000),
    ...readWait(env),
  };
}
