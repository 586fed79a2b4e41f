import { performance } from 'node:perf_hooks';

/** What the pacer needs from the runtime; tests pass a fake one. */
export interface PacerClock {
  /** Milliseconds, monotonic. */
  now(): number;
  immediate(run: () => void): void;
  timeout(run: () => void, ms: number): void;
}

export const SYSTEM_CLOCK: PacerClock = {
  now: () => performance.now(),
  immediate: (run) => {
    setImmediate(run);
  },
  timeout: (run, ms) => {
    setTimeout(run, ms);
  },
};

/** The longest an event waits for the hub's next write: the latency a burst may add. */
export const MAX_FLUSH_WAIT_MS = 10;
/** Below this a wait is not worth a timer (they fire in whole milliseconds): flush this turn. */
export const MIN_FLUSH_WAIT_MS = 1;

/**
 * Decides when the hub writes. A write to every stream costs about the same for
 * one event as for fifty: it is one socket write (a syscall, and on loopback the
 * peer's receive too) per stream. POST /publish answers 202 before delivery, so
 * while the hub writes, each publisher can only have its next request waiting:
 * flushing every turn gives each write as many events as there are publishers in
 * flight, one or four, and the writes take all the CPU.
 *
 * So after a flush the next one waits as long as that flush took (at most
 * MAX_FLUSH_WAIT_MS): the hub then spends at most about half its time writing, and
 * the publishes read in the other half share the next write. A hub whose flush
 * costs under MIN_FLUSH_WAIT_MS (few streams, or the machine idle between events)
 * flushes in the same turn's check phase as before, so a quiet stream's latency
 * does not change.
 */
export class FlushPacer {
  readonly #flush: () => boolean;
  readonly #clock: PacerClock;
  #pending = false;
  /** When (clock ms) the next flush may run. */
  #notBefore = 0;
  readonly #run = (): void => {
    this.#pending = false;
    this.run();
  };

  /** `flush` returns whether it had anything to write (an empty one leaves the pace as it was). */
  constructor(flush: () => boolean, clock: PacerClock = SYSTEM_CLOCK) {
    this.#flush = flush;
    this.#clock = clock;
  }

  /** Something is waiting to be written: runs the flush once, soon. Idempotent until it ran. */
  schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    const wait = this.#notBefore - this.#clock.now();
    if (wait < MIN_FLUSH_WAIT_MS) this.#clock.immediate(this.#run);
    else this.#clock.timeout(this.#run, Math.ceil(wait));
  }

  /**
   * Flushes now and times it. Also what the hub calls for a flush that cannot wait
   * (a stream going live, the drain); a scheduled run then finds nothing left.
   */
  run(): void {
    const start = this.#clock.now();
    if (!this.#flush()) return;
    const end = this.#clock.now();
    this.#notBefore = end + Math.min(end - start, MAX_FLUSH_WAIT_MS);
  }
}
