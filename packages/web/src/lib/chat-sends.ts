import type { SendMessage } from '@herald/protocol';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ClientError } from './errors.js';
import { PendingReplies } from './pending.js';

export interface SendRetryOptions {
  /** Tries per send, the first included; 1: no retry. */
  attempts: number;
  /** Also resend after the connection dropped before the ack (once reconnected). */
  afterDrop: boolean;
  ackTimeoutMs: number;
  backoff: BackoffOptions;
  random: () => number;
}

/** What the sends need of the connection. */
export interface SendChannel {
  isOpen(): boolean;
  write(frame: SendMessage): void;
}

interface Job {
  readonly frame: SendMessage;
  attempt: number;
  settled: boolean;
  /** A backoff delay, or the wait for a reconnect. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Parked until the connection is open again. */
  parked: boolean;
  resolve(id: string): void;
  reject(error: ClientError): void;
}

export const DEFAULT_SEND_ATTEMPTS = 4;

/**
 * `send`s waiting for their `ack`. A send the gateway refused with `unavailable`
 * (the bus could not store it, or could not confirm it on REDIS_WAIT_REPLICAS
 * replicas) is sent again after a backoff delay, with the same ref, up to
 * `attempts` tries. The gateway has no idempotency key for sends, so a retry can
 * store a message twice (a refusal after WAIT means "stored on the master, not
 * confirmed"): the promise resolves with the id of the copy that was acked.
 */
export class ChatSends {
  readonly #acks = new PendingReplies<string>();
  readonly #jobs = new Set<Job>();

  constructor(
    private readonly options: SendRetryOptions,
    private readonly channel: SendChannel,
  ) {}

  /** Resolves with the message id of the ack; `ref` is used for every attempt. */
  send(room: string, text: string, ref: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const job: Job = { frame: { type: 'send', room, text, ref }, attempt: 0, settled: false, timer: undefined, parked: false, resolve, reject };
      this.#jobs.add(job);
      this.#try(job);
    });
  }

  ack(ref: string, id: string): boolean {
    return this.#acks.resolve(ref, id);
  }

  /** An `error` frame naming `ref`: true when it was for a send. */
  refused(ref: string, error: ClientError): boolean {
    return this.#acks.reject(ref, error);
  }

  /** The connection dropped: acks still awaited will not come. */
  dropped(): void {
    this.#acks.rejectAll(new ClientError('closed', 'the connection closed before the ack'));
  }

  /** The connection is open again (after `welcome` and the rejoins): parked sends go. */
  opened(): void {
    for (const job of this.#jobs) {
      if (!job.parked) continue;
      job.parked = false;
      clearTimeout(job.timer);
      this.#try(job);
    }
  }

  /** close(): every send fails with `error`, none is retried. */
  rejectAll(error: ClientError): void {
    for (const job of [...this.#jobs]) this.#settle(job, () => job.reject(error));
    this.#acks.rejectAll(error);
  }

  #try(job: Job): void {
    job.attempt += 1;
    const { ref } = job.frame;
    const ack = this.#acks.wait(ref!, this.options.ackTimeoutMs, 'send');
    this.channel.write(job.frame);
    ack.then(
      (id) => this.#settle(job, () => job.resolve(id)),
      (err: ClientError) => this.#failed(job, err),
    );
  }

  #failed(job: Job, error: ClientError): void {
    if (job.settled) return;
    const retriable = error.code === 'unavailable' || (error.code === 'closed' && this.options.afterDrop);
    if (!retriable) return this.#settle(job, () => job.reject(error));
    if (job.attempt >= this.options.attempts) {
      const gaveUp = new ClientError(error.code, `send: ${error.message} (gave up after ${job.attempt} attempts)`, job.frame.ref);
      return this.#settle(job, () => job.reject(gaveUp));
    }
    const delayMs = backoffDelay(this.options.backoff, job.attempt - 1, this.options.random);
    job.timer = setTimeout(() => this.#due(job), delayMs);
  }

  #due(job: Job): void {
    if (this.channel.isOpen()) return this.#try(job);
    // Dropped meanwhile: goes out once reconnected, or fails if that takes too long.
    job.parked = true;
    const waitMs = this.options.ackTimeoutMs;
    job.timer = setTimeout(() => {
      const error = new ClientError('not_connected', `send: not reconnected within ${waitMs} ms (after ${job.attempt} attempts)`, job.frame.ref);
      this.#settle(job, () => job.reject(error));
    }, waitMs);
  }

  #settle(job: Job, settle: () => void): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    this.#jobs.delete(job);
    settle();
  }
}
