import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitUntil } from './wait.js';

/** The shared test Redis; never FLUSHALL it, other suites use it at the same time. */
export const REDIS_TEST_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

export async function probeRedis(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

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

/** Removes this run's keys (and only them). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A private redis-server on a spare port, append-only with fsync on every write: a
 * kill -9 and a restart on the same dir keep every acknowledged write.
 */
export class RedisProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-it-redis-'));
  #child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async reserve(): Promise<RedisProcess> {
    return new RedisProcess(await freePort());
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    args.push('--appendfsync', 'always', '--dir', this.dir);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.#child = child;
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      return probeRedis(this.url);
    }, 20_000, `redis-server on port ${this.port}`);
  }

  /** SIGKILL, like a crash. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
