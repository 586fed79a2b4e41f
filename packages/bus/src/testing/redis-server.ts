import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

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

export function uniquePrefix(label: string): string {
  return `herald-test:${label}:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
}

/** Removes every key under `prefix` (this test run's keys only). */
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A private redis-server on a spare port, append-only with fsync on every write, so
 * a kill -9 and restart on the same dir keeps every acknowledged write.
 */
export class RedisProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
  #child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    args.push('--appendfsync', 'always', '--dir', this.dir);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.#child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitUntil(() => probeRedis(this.url), 15_000, `redis-server on ${this.port}`), exited]);
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
