import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { probeRedis, REDIS_TEST_URL, RedisProcess as BusRedisProcess } from '@herald/bus/testing/redis-server';
import { freePort } from './wait.js';

// One implementation of the Redis test plumbing, shared with the bus's own suites.
export { deleteKeys, probeRedis, REDIS_TEST_URL } from '@herald/bus/testing/redis-server';

/** Whether the shared Redis is there: with CI set its absence fails the run, locally it skips. */
export async function sharedRedisAvailable(): Promise<boolean> {
  if (await probeRedis(REDIS_TEST_URL)) return true;
  const reason = `Redis is not reachable at ${REDIS_TEST_URL} (set REDIS_URL_TEST)`;
  if (process.env.CI) throw new Error(`${reason}; CI is set, so these tests must run`);
  console.log(`skipping multi-instance tests: ${reason}`);
  return false;
}

/** Whether redis-server can be spawned (for the fault tests). */
export function redisServerInstalled(): boolean {
  const ok = spawnSync('redis-server', ['--version']).status === 0;
  if (!ok && process.env.CI) throw new Error('redis-server is not installed; CI is set, so these tests must run');
  if (!ok) console.log('skipping Redis fault tests: redis-server is not installed');
  return ok;
}

/** A key prefix of its own for one test run. */
export function uniquePrefix(label: string): string {
  return `herald-it:${label}:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
}

/**
 * A private redis-server on a spare port, append-only with fsync on every write: a
 * kill -9 and a restart on the same dir keep every acknowledged write.
 */
export class RedisProcess extends BusRedisProcess {
  static async reserve(): Promise<RedisProcess> {
    return new RedisProcess(await freePort());
  }
}
