import { Redis, type RedisOptions } from 'ioredis';

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

export function openConnection(url: string, role: ConnectionRole, connectionName: string): Redis {
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
  return new Redis(url, options);
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
