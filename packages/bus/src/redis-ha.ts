import type { Redis } from 'ioredis';
import type { BusLogger } from './redis-connection.js';
import { checkEpoch, FIRST_EPOCH, type Epoch, type HighWaterMark } from './redis-epoch.js';
import type { RedisKeys } from './redis-keys.js';

/** What /readyz and the metrics show of the Redis behind the bus. */
export interface RedisHaStatus {
  /** host:port of the node the command connection reached; undefined while down. */
  readonly master: string | undefined;
  /** Its ROLE: 'master' normally; 'slave' only if a write would be refused. */
  readonly role: string | undefined;
  readonly epoch: number;
  /** The first id of the epoch (undefined: no loss seen on this data set). */
  readonly epochSince: string | undefined;
  /** Connects that found another server than the previous one (address or run_id). */
  readonly failovers: number;
  /** Times this instance saw the epoch change (its own bumps and other instances'). */
  readonly epochChanges: number;
  /** WAITs that confirmed fewer replicas than REDIS_WAIT_REPLICAS in time. */
  readonly waitFailures: number;
}

interface Server {
  address: string;
  runId: string | undefined;
}

function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

/**
 * The handshake of every (re)connect of the command connection, before the bus says
 * it is ready: the epoch check with this instance's mark (redis-epoch.ts), and which
 * server this is (a different address or run_id than last time is counted as a
 * failover: a restart is a new server process too).
 */
export class RedisHaTracker {
  #epoch: Epoch = FIRST_EPOCH;
  #server: Server | undefined;
  #role: string | undefined;
  #failovers = 0;
  #epochChanges = 0;
  #connected = false;
  waitFailures = 0;

  constructor(
    private readonly keys: RedisKeys,
    private readonly mark: HighWaterMark,
    private readonly log: BusLogger,
  ) {}

  get epoch(): Epoch {
    return this.#epoch;
  }

  /** Sends the check at once (nothing queued after it on this connection runs first). */
  async handshake(command: Redis, address: string): Promise<void> {
    const mark = this.mark.get();
    const known = this.#epoch.n;
    // ROLE and INFO only inform /readyz: a Redis that refuses them (ACL, renamed
    // commands on a managed service) must not keep the bus from being ready.
    const [check, role, info] = await Promise.all([
      checkEpoch(command, this.keys, mark, known),
      (command.call('ROLE') as Promise<unknown[]>).catch(() => undefined),
      command.info('server').catch(() => undefined),
    ]);
    this.#connected = true;
    this.#role = typeof role?.[0] === 'string' ? role[0] : undefined;
    const server: Server = { address, runId: info === undefined ? undefined : infoField(info, 'run_id') };
    const previous = this.#server;
    if (previous !== undefined && (previous.address !== server.address || previous.runId !== server.runId)) {
      this.#failovers++;
      this.log.warn({ from: previous.address, to: server.address, runId: server.runId }, 'redis bus: connected to a different redis server than before');
    }
    this.#server = server;
    if (check.epoch.n !== known) this.#epochChanges++;
    if (check.bumped) {
      this.log.warn(
        { oldEpoch: known, newEpoch: check.epoch.n, since: check.epoch.since, mark, serverLastId: check.serverLast ?? null, master: address },
        'redis bus: redis lost writes this instance had seen (failover to a lagging replica, or a restart without them): new epoch; resumes from before it are reported as not exact',
      );
    }
    this.#epoch = check.epoch;
    this.mark.see(check.epoch.since);
  }

  /** The epoch read with a history range, possibly started by another instance. */
  observe(epoch: Epoch): void {
    if (epoch.n <= this.#epoch.n) return;
    this.#epochChanges++;
    this.#epoch = epoch;
  }

  disconnected(): void {
    this.#connected = false;
  }

  status(): RedisHaStatus {
    return {
      master: this.#connected ? this.#server?.address : undefined,
      role: this.#connected ? this.#role : undefined,
      epoch: this.#epoch.n,
      epochSince: this.#epoch.since,
      failovers: this.#failovers,
      epochChanges: this.#epochChanges,
      waitFailures: this.waitFailures,
    };
  }
}
