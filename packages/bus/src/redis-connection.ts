import { Redis, type RedisOptions } from 'ioredis';
import { reconnectOnMoved, slotMasterConnector, type ClusterTarget, type RedisAddress } from './redis-cluster.js';

/** The logging the Redis bus needs; a pino (Fastify) logger fits. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const SILENT_LOGGER: BusLogger = { info() {}, warn() {}, error() {} };

/** The URL with any password replaced, fit for a log line. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable redis url)';
  }
}

/** Reconnect delay: grows by 200 ms per attempt, capped at 2 s, never gives up. */
export function retryDelay(attempt: number): number {
  return Math.min(attempt * 200, 2000);
}

/**
 * What a connection is for decides how it behaves while Redis is away:
 * - `command`: publishes, history, presence. No offline queue and no resend, so a
 *   publish while down rejects at once and one cut off mid-flight rejects too: an
 *   ack always means "stored", and nothing is stored twice behind the caller's back.
 * - `reader`: the blocking XREAD loop, which retries itself from its own positions.
 * - `subscriber`: pub/sub; SUBSCRIBEs wait for the connection and ioredis
 *   re-subscribes after a reconnect.
 */
export type ConnectionRole = 'command' | 'reader' | 'subscriber';

/** One Sentinel to ask for the master's address. */
export type SentinelAddress = RedisAddress;

/**
 * A master found through Sentinel: every connection asks the Sentinels for the
 * master's address on each (re)connect, so after a failover it lands on the promoted
 * replica by itself.
 */
export interface SentinelTarget {
  sentinels: SentinelAddress[];
  /** The name in `sentinel monitor <name> ...`. */
  masterName: string;
  /** AUTH for the Sentinels themselves. */
  sentinelPassword?: string | undefined;
  /** AUTH for the master (the data node). */
  password?: string | undefined;
}

/** Where the bus connects: one Redis by URL, a master through Sentinel, or a cluster. */
export type RedisTarget = { url: string } | { sentinel: SentinelTarget } | { cluster: ClusterTarget };

/** The target fit for a log line: no password. */
export function describeTarget(target: RedisTarget): string {
  if ('url' in target) return redactRedisUrl(target.url);
  if ('cluster' in target) return `cluster via ${target.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const hosts = target.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
  return `sentinel master "${target.sentinel.masterName}" via ${hosts}`;
}

/** `slotKey`: any Herald key (all share one slot); on a cluster the connection goes to its slot's master. */
export function openConnection(target: RedisTarget, role: ConnectionRole, connectionName: string, slotKey: string): Redis {
  const queued = role === 'subscriber';
  const options: RedisOptions = {
    connectionName,
    retryStrategy: retryDelay,
    enableOfflineQueue: queued,
    // 0: commands in flight when the connection drops are rejected right away
    // (ioredis would otherwise keep them and, without resend, never settle them).
    maxRetriesPerRequest: queued ? null : 0,
    autoResendUnfulfilledCommands: queued,
    connectTimeout: 5000,
  };
  if ('url' in target) return new Redis(target.url, options);
  if ('cluster' in target) {
    const { nodes, password } = target.cluster;
    return new Redis({
      ...options,
      ...(password === undefined ? {} : { password }),
      Connector: slotMasterConnector({ clusterNodes: nodes, slotKey, password, retryDelay }),
      reconnectOnError: reconnectOnMoved,
    });
  }
  const { sentinels, masterName, sentinelPassword, password } = target.sentinel;
  return new Redis({
    ...options,
    sentinels,
    name: masterName,
    role: 'master',
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
    ...(password === undefined ? {} : { password }),
    // Keeps asking the Sentinels while none answers, like retryStrategy for one Redis.
    sentinelRetryStrategy: retryDelay,
  });
}

/** Closes politely when connected (pending replies arrive first), else at once. */
export async function closeConnection(redis: Redis, graceMs = 1000): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const timer = setTimeout(() => redis.disconnect(), graceMs);
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
