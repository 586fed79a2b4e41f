import type { Redis } from 'ioredis';
import { BusUnavailableError, describeError } from './redis-errors.js';

interface Waiting {
  /** The connection generation the write went out on: a WAIT elsewhere proves nothing. */
  readonly generation: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * REDIS_WAIT_REPLICAS: a publish is acknowledged only once `WAIT <replicas> <timeoutMs>`
 * on the same connection confirms that many replicas have it. A WAIT covers every
 * earlier write of its connection, so the WAITs are coalesced: one in flight at a
 * time, and every publish whose script finished before a WAIT was sent is confirmed
 * by it (1000 concurrent publishes cost a few WAITs, not 1000).
 *
 * While a WAIT waits, Redis holds the rest of this connection's commands behind it:
 * with lagging replicas, other commands of the instance wait up to timeoutMs too.
 */
export class ReplicaWaiter {
  #pending: Waiting[] = [];
  #inFlight = false;
  #generation = 0;
  /** WAIT round trips sent (for tests and the curious). */
  waits = 0;

  constructor(
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly onShortfall: () => void,
  ) {}

  /** The command connection closed: writes made before cannot be confirmed by a later WAIT. */
  connectionChanged(): void {
    this.#generation++;
  }

  /** The generation to pass to confirm(), read before the write is sent. */
  get generation(): number {
    return this.#generation;
  }

  /** Resolves once a WAIT sent after this call confirms the replicas; rejects otherwise. */
  confirm(command: Redis, generation: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ generation, resolve, reject });
      this.#next(command);
    });
  }

  #next(command: Redis): void {
    if (this.#inFlight || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const generation = this.#generation;
    const stale = batch.filter((w) => w.generation !== generation);
    const current = batch.filter((w) => w.generation === generation);
    for (const w of stale) {
      w.reject(new BusUnavailableError('stored on the master, but the connection changed before replicas confirmed it: not acknowledged; retry'));
    }
    if (current.length === 0) return;
    this.#inFlight = true;
    this.waits++;
    command
      .wait(this.replicas, this.timeoutMs)
      .then(
        (confirmed) => {
          if (confirmed >= this.replicas && generation === this.#generation) {
            for (const w of current) w.resolve();
            return;
          }
          this.onShortfall();
          const err = new BusUnavailableError(
            `stored on the master but not confirmed by ${this.replicas} replicas within ${this.timeoutMs} ms (${confirmed} did): not acknowledged; retry`,
          );
          for (const w of current) w.reject(err);
        },
        (err: unknown) => {
          this.onShortfall();
          const failed = new BusUnavailableError(`stored on the master, replica confirmation failed: not acknowledged; retry (${describeError(err)})`, {
            cause: err,
          });
          for (const w of current) w.reject(failed);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        this.#next(command);
      });
  }
}
