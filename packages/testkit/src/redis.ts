import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { waitUntil } from './wait.js';

/** The shared test Redis; never FLUSHALL it, other suites use it at the same time. */
export const REDIS_TEST_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url`. */
export async function probeRedis(url = REDIS_TEST_URL): Promise<boolean> {
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

/**
 * Whether Redis tests can run: with CI set a missing Redis is a failure, locally the
 * tests are skipped with the reason printed.
 */
export async function redisAvailable(url = REDIS_TEST_URL): Promise<boolean> {
  if (await probeRedis(url)) return true;
  const reason = `Redis is not reachable at ${url} (set REDIS_URL_TEST)`;
  if (process.env.CI) throw new Error(`${reason}; CI is set, so Redis tests must run`);
  console.log(`skipping Redis tests: ${reason}`);
  return false;
}

/** Whether redis-server can be spawned (for fault tests); with CI set its absence fails. */
export function redisServerInstalled(): boolean {
  const ok = spawnSync('redis-server', ['--version']).status === 0;
  if (!ok && process.env.CI) throw new Error('redis-server is not installed; CI is set, so these tests must run');
  if (!ok) console.log('skipping Redis fault tests: redis-server is not installed');
  return ok;
}

/** Removes every key under `prefix` (this test run's keys only). */
export async function deleteKeys(prefix: string, url = REDIS_TEST_URL): Promise<void> {
  // The arguments were once (url, prefix): a URL here would match nothing and hide the leak.
  if (prefix === '' || /^rediss?:\/\//.test(prefix)) throw new Error(`deleteKeys wants a key prefix first, got ${JSON.stringify(prefix)}`);
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
 * A private redis-server on a spare port, append-only with fsync on every write, so
 * a kill -9 and restart on the same dir keeps every acknowledged write.
 */
export class RedisProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
  #child: ChildProcess | undefined;

  /** `extraArgs`: more redis-server options, e.g. `['--replicaof', '127.0.0.1', '6380']`. */
  constructor(
    readonly port: number,
    readonly extraArgs: string[] = [],
  ) {}

  /** One on a port that is free now (not started yet). */
  static async reserve(extraArgs: string[] = []): Promise<RedisProcess> {
    return new RedisProcess(await freePort(), extraArgs);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Started and not killed (nor exited) since. */
  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    args.push('--appendfsync', 'always', '--dir', this.dir, ...this.extraArgs);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.#child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`))),
    );
    exited.catch(() => {});
    const listening = waitUntil(() => probeRedis(this.url), { timeoutMs: 15_000, message: `redis-server on ${this.port}` });
    await Promise.race([listening, exited]);
  }

  /** SIGSTOP: the server freezes (a stalled replica) until resume(); its sockets stay open. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** SIGKILL, like a crash: nothing is flushed beyond what fsync already wrote. */
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
