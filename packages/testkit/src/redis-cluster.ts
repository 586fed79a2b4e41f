import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisProcess } from './redis.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

/** One short-lived connection to a node on 127.0.0.1, for a command or two. */
export async function onNode<T>(port: number, task: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await task(redis);
  } finally {
    redis.disconnect();
  }
}

async function clusterStateOk(port: number): Promise<boolean> {
  try {
    return /cluster_state:ok/.test(await onNode(port, (r) => r.cluster('INFO')));
  } catch {
    return false;
  }
}

/**
 * A private Redis Cluster on spare loopback ports: `masters` masters (and `replicas`
 * replicas of each), every node append-only with fsync on every write (see
 * RedisProcess), so a kill -9 and restart of a node keeps its acknowledged writes.
 * A failed node is noticed after `nodeTimeoutMs` (cluster-node-timeout).
 */
export class ClusterProcess {
  readonly servers: RedisProcess[] = [];

  private constructor(
    readonly masters: number,
    readonly replicas: 0 | 1,
  ) {}

  static async start(options: { masters?: number; replicas?: 0 | 1; nodeTimeoutMs?: number } = {}): Promise<ClusterProcess> {
    const cluster = new ClusterProcess(options.masters ?? 3, options.replicas ?? 0);
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
    args.push('--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2000));
    try {
      const count = cluster.masters * (1 + cluster.replicas);
      for (let i = 0; i < count; i++) cluster.servers.push(await RedisProcess.reserve(args));
      await Promise.all(cluster.servers.map((s) => s.start()));
      const create = ['--cluster', 'create', ...cluster.servers.map((s) => `127.0.0.1:${s.port}`)];
      create.push('--cluster-replicas', String(cluster.replicas), '--cluster-yes');
      await run('redis-cli', create, { timeout: 60_000 }).catch((err: Error) => {
        // redis-cli ships with redis-server (Debian's redis-tools); name it when it is the cause.
        throw new Error(`redis-cli ${create.join(' ')} failed: ${err.message}`, { cause: err });
      });
      await cluster.waitUntilOk();
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  /** Every node as host:port, comma-separated: the REDIS_CLUSTER_NODES value. */
  get nodes(): string {
    return this.servers.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  get addresses(): Array<{ host: string; port: number }> {
    return this.servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  #server(port: number): RedisProcess {
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no cluster node on port ${port}`);
    return server;
  }

  /** SIGKILL of one node, like a crash. */
  async kill(port: number): Promise<void> {
    await this.#server(port).kill();
  }

  /** Starts a killed node again on its own dir (its nodes.conf and AOF), then waits for cluster_state:ok. */
  async start(port: number): Promise<void> {
    await this.#server(port).start();
    await this.waitUntilOk();
  }

  /**
   * Until every running node reports cluster_state:ok and, with replicas, every
   * running replica is in sync with its master and every node lists it in CLUSTER
   * SLOTS (the replicas join after `--cluster create` returns, and after a restart).
   */
  async waitUntilOk(timeoutMs = 60_000): Promise<void> {
    const running = () => this.servers.filter((s) => s.running);
    await waitUntil(
      async () => {
        for (const s of running()) if (!(await clusterStateOk(s.port))) return false;
        if (this.replicas === 0) return true;
        const expected = running().length;
        for (const s of running()) {
          const ok = await onNode(s.port, async (r) => {
            const role = (await r.role()) as unknown[];
            if (role[0] === 'slave' && role[3] !== 'connected') return false;
            const listed = new Set((await r.cluster('SLOTS')).flatMap(([, , ...nodes]) => nodes.map((n) => Number(n[1]))));
            return listed.size === expected;
          }).catch(() => false);
          if (!ok) return false;
        }
        return true;
      },
      { timeoutMs, message: 'cluster_state:ok on every node, replicas in sync' },
    );
  }

  /** Ports of the nodes that are masters now (asked of each running node itself). */
  async masterPorts(): Promise<number[]> {
    const ports: number[] = [];
    for (const s of this.servers) {
      if (!s.running) continue;
      const role = await onNode(s.port, (r) => r.role()).catch(() => undefined);
      if (role?.[0] === 'master') ports.push(s.port);
    }
    return ports;
  }

  /** The ports of the master serving `key`'s slot and of its replicas, as a running node sees them now. */
  async shardOf(key: string): Promise<{ master: number; replicas: number[] }> {
    for (const s of this.servers) {
      if (!s.running) continue;
      const shard = await onNode(s.port, async (r) => {
        const slot = Number(await r.cluster('KEYSLOT', key));
        const range = (await r.cluster('SLOTS')).find(([start, end]) => start <= slot && slot <= end);
        if (range?.[2] === undefined) return undefined;
        const [, , master, ...replicas] = range;
        return { master: Number(master[1]), replicas: replicas.map((n) => Number(n[1])) };
      }).catch(() => undefined);
      if (shard !== undefined) return shard;
    }
    throw new Error(`no running node knows who serves ${key}`);
  }

  /** The port of the master serving `key`'s slot now. */
  async ownerOf(key: string): Promise<number> {
    return (await this.shardOf(key)).master;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.dispose()));
  }
}
