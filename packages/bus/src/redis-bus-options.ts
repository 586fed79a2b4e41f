import type { BusLogger, RedisTarget, SentinelTarget } from './redis-connection.js';
import type { ClusterTarget } from './redis-cluster.js';
import { checkWaitOptions } from './replica-wait.js';
import type { BusOptions } from './bus.js';

// RedisBus's options, their defaults and their checks: a bad option is a TypeError or
// RangeError naming it, thrown by the constructor before any connection opens.

export interface RedisBusOptions extends BusOptions {
  /** redis:// or rediss:// URL (REDIS_URL); give exactly one of url, sentinel, cluster. */
  url?: string;
  /** The master through Sentinel (REDIS_SENTINELS). */
  sentinel?: SentinelTarget;
  /** A cluster-mode Redis (REDIS_CLUSTER_NODES): every key in one slot, see RedisKeys. */
  cluster?: ClusterTarget;
  /** Prefix of every key and channel; default "herald:". */
  keyPrefix?: string;
  /** Names this instance in presence; default host:pid:random. */
  instanceId?: string;
  /** After this long without a heartbeat an instance's members are removed; default 10 s. */
  presenceTtlMs?: number;
  logger?: BusLogger;
  onListenerError?: (err: unknown) => void;
  /** Longest single blocking read, ms; default 5000. */
  blockMs?: number;
  /** REDIS_WAIT_REPLICAS: a publish is acked once WAIT confirms this many replicas; default 0 (no WAIT). */
  waitReplicas?: number;
  /** REDIS_WAIT_TIMEOUT_MS: how long that WAIT may take before the publish rejects; default 1000. */
  waitTimeoutMs?: number;
}

export const REDIS_BUS_DEFAULTS = {
  keyPrefix: 'herald:',
  presenceTtlMs: 10_000,
  blockMs: 5_000,
  waitReplicas: 0,
  waitTimeoutMs: 1_000,
} as const;

function checkUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('url must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError('url must be a redis:// or rediss:// URL');
  }
}

function checkEndpoints(what: string, endpoints: ReadonlyArray<{ host: string; port: number }>): void {
  for (const { host, port } of endpoints) {
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(`${what}: "${host}:${port}" is not a host and port`);
    }
  }
}

function checkSentinel(s: SentinelTarget): void {
  if (s.sentinels.length === 0) throw new TypeError('sentinel.sentinels must list at least one Sentinel');
  checkEndpoints('sentinel.sentinels', s.sentinels);
  if (s.masterName.trim() === '') throw new TypeError('sentinel.masterName must not be empty');
}

function checkCluster(c: ClusterTarget): void {
  if (c.nodes.length === 0) throw new TypeError('cluster.nodes must list at least one node');
  checkEndpoints('cluster.nodes', c.nodes);
}

/** Exactly one of url, sentinel and cluster, as the target every connection opens. */
export function targetOf(o: RedisBusOptions): RedisTarget {
  const given = [o.url, o.sentinel, o.cluster].filter((t) => t !== undefined).length;
  if (given > 1) throw new TypeError('give one of url, sentinel and cluster, not several');
  if (o.cluster !== undefined) {
    checkCluster(o.cluster);
    return { cluster: o.cluster };
  }
  if (o.url !== undefined) {
    checkUrl(o.url);
    return { url: o.url };
  }
  if (o.sentinel !== undefined) {
    checkSentinel(o.sentinel);
    return { sentinel: o.sentinel };
  }
  throw new TypeError('url, sentinel or cluster is required');
}

export function checkOptions(o: RedisBusOptions): void {
  if (!Number.isSafeInteger(o.historySize) || o.historySize < 1) {
    throw new RangeError('historySize must be a positive integer');
  }
  if (o.keyPrefix !== undefined && !/^[^\s]{0,64}$/.test(o.keyPrefix)) {
    throw new TypeError('keyPrefix must be at most 64 characters without spaces');
  }
  if (o.instanceId !== undefined && !/^[^\s]{1,128}$/.test(o.instanceId)) {
    throw new TypeError('instanceId must be 1-128 characters without spaces');
  }
  const ttl = o.presenceTtlMs;
  if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 100)) {
    throw new RangeError('presenceTtlMs must be an integer of at least 100');
  }
  if (o.blockMs !== undefined && (!Number.isSafeInteger(o.blockMs) || o.blockMs < 10)) {
    throw new RangeError('blockMs must be an integer of at least 10');
  }
  checkWaitOptions(o);
}
