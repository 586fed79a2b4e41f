import { RedisProcess } from './redis.js';
import { onNode } from './redis-cluster.js';
import { SentinelProcess } from './redis-sentinel.js';
import { waitUntil } from './wait.js';

/**
 * A master, one replica and three Sentinels on spare loopback ports, with the
 * faults the failover suite needs: kill -9 of the master, and a replica cut off
 * from it for a while (so acks given meanwhile exist on the master only).
 */
export class SentinelSet {
  readonly sentinels: SentinelProcess[] = [];

  private constructor(
    readonly masterName: string,
    readonly master: RedisProcess,
    readonly replica: RedisProcess,
  ) {}

  static async start(masterName: string): Promise<SentinelSet> {
    const master = await RedisProcess.reserve();
    await master.start();
    const replica = await RedisProcess.reserve(['--replicaof', '127.0.0.1', String(master.port)]);
    const set = new SentinelSet(masterName, master, replica);
    try {
      await replica.start();
      // Synced before the Sentinels start, so their first look at the master lists the replica.
      await waitUntil(async () => /slave0:.*state=online/.test(await info(master.port, 'replication')), {
        timeoutMs: 30_000,
        message: 'the replica to sync',
      });
      for (let i = 0; i < 3; i++) set.sentinels.push(await SentinelProcess.reserve(masterName, master.port));
      await Promise.all(set.sentinels.map((s) => s.start()));
      await waitUntil(() => set.#agree(replica.port).catch(() => false), {
        timeoutMs: 60_000,
        message: 'every Sentinel to know the replica and the other two Sentinels',
      });
    } catch (err) {
      await set.dispose();
      throw err;
    }
    return set;
  }

  /** What a RedisBus takes as its `sentinel` option. */
  get target(): { sentinels: Array<{ host: string; port: number }>; masterName: string } {
    return { sentinels: this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), masterName: this.masterName };
  }

  /** REDIS_SENTINELS and REDIS_SENTINEL_MASTER for the services. */
  get env(): Record<string, string> {
    return { REDIS_SENTINELS: this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_MASTER: this.masterName };
  }

  /**
   * Stops the replica (SIGSTOP) and closes its link on the master, so nothing
   * written from now on reaches it: a replica that lags for real.
   */
  async cutReplica(): Promise<void> {
    this.replica.pause();
    await command(this.master.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
    // The master must not count it as connected any more (nor send it anything).
    await waitUntil(async () => /connected_slaves:0/.test(await info(this.master.port, 'replication')), {
      timeoutMs: 10_000,
      message: 'the master to drop its replica link',
    });
  }

  /** SIGCONT for a replica cut off by cutReplica(). */
  resumeReplica(): void {
    this.replica.resume();
  }

  /** kill -9 of the master process. */
  killMaster(): Promise<void> {
    return this.master.kill();
  }

  /** Waits until every Sentinel names the replica as the master. */
  async waitPromoted(timeoutMs = 60_000): Promise<void> {
    await waitUntil(
      async () => {
        const ports = await Promise.all(this.sentinels.map((s) => s.masterPortNow().catch(() => undefined)));
        if (!ports.every((p) => p === this.replica.port)) return false;
        return /role:master/.test(await info(this.replica.port, 'replication'));
      },
      { timeoutMs, message: 'Sentinel to promote the replica' },
    );
  }

  /**
   * Starts the killed master again on its port and data; Sentinel turns it into a
   * replica of the promoted one (a WAIT of 1 can be confirmed again).
   */
  async rejoinOldMaster(timeoutMs = 60_000): Promise<void> {
    await this.master.start();
    await waitUntil(async () => /slave0:.*state=online/.test(await info(this.replica.port, 'replication')), {
      timeoutMs,
      message: 'the old master to come back as a replica of the promoted one',
    });
  }

  async dispose(): Promise<void> {
    this.replica.resume();
    await Promise.all([...this.sentinels, this.master, this.replica].map((p) => p.dispose()));
  }

  /** Each Sentinel sees the replica healthy and the two other Sentinels: a failover needs both. */
  async #agree(replicaPort: number): Promise<boolean> {
    for (const s of this.sentinels) {
      const replicas = ((await s.sentinel('replicas', this.masterName)) as unknown[]).map(fields);
      const peers = (await s.sentinel('sentinels', this.masterName)) as unknown[];
      const healthy = replicas.filter((r) => r.port === String(replicaPort) && r.flags === 'slave' && r['master-link-status'] === 'ok');
      if (healthy.length !== 1 || peers.length !== 2) return false;
    }
    return true;
  }
}

/** SENTINEL replies list each node as a flat [field, value, ...] array. */
function fields(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

function command(port: number, ...args: string[]): Promise<unknown> {
  return onNode(port, (redis) => redis.call(args[0]!, ...args.slice(1)));
}

async function info(port: number, section: string): Promise<string> {
  return String(await command(port, 'INFO', section));
}

/** INFO replication of the node on `port`. */
export const replicationInfo = (port: number): Promise<string> => info(port, 'replication');
