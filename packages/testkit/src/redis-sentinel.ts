import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { probeRedis } from './redis.js';
import { waitUntil } from './wait.js';

/**
 * A private Redis Sentinel (`redis-server <conf> --sentinel`) on a spare port,
 * watching one master. Quorum 2 fits a set of three; a master silent for 1 s is down.
 */
export class SentinelProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-sentinel-'));
  #child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly masterName: string,
    readonly masterPort: number,
  ) {}

  static async reserve(masterName: string, masterPort: number): Promise<SentinelProcess> {
    return new SentinelProcess(await freePort(), masterName, masterPort);
  }

  async start(): Promise<void> {
    const name = this.masterName;
    // Sentinel rewrites its config file as it learns the topology: it must be its own.
    const conf = join(this.dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${this.port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${this.masterPort} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    this.#child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server --sentinel exited with ${code}`))),
    );
    exited.catch(() => {});
    const url = `redis://127.0.0.1:${this.port}`;
    const listening = waitUntil(() => probeRedis(url), { timeoutMs: 15_000, message: `sentinel on ${this.port}` });
    await Promise.race([listening, exited]);
  }

  /** Runs one SENTINEL subcommand against this Sentinel, e.g. ('get-master-addr-by-name', name). */
  async sentinel(...args: string[]): Promise<unknown> {
    const redis = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      await redis.connect();
      return await redis.call('SENTINEL', ...args);
    } finally {
      redis.disconnect();
    }
  }

  /** The master's port as this Sentinel sees it now. */
  async masterPortNow(): Promise<number | undefined> {
    const addr = (await this.sentinel('get-master-addr-by-name', this.masterName)) as [string, string] | null;
    return addr === null ? undefined : Number(addr[1]);
  }

  async dispose(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
