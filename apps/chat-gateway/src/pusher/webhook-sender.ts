import { randomUUID } from 'node:crypto';
import type { Journal } from '@herald/bus';
import { signWebhook, type PusherApps } from '@herald/pusher';
import type { FastifyBaseLogger } from 'fastify';
import { retryDelayMs, takeBatch, type WebhookBatch } from './webhook-batch.js';

/** The journal consumer name: one lease and one cursor for the whole cluster. */
export const WEBHOOK_CONSUMER = 'pusher-webhooks';

export const WEBHOOK_SENDER_DEFAULTS = {
  /** Events in one request at most. */
  maxEvents: 100,
  /** First retry after this, doubling per failed attempt, up to maxRetryMs. */
  retryBaseMs: 250,
  maxRetryMs: 30_000,
  /** A request not answered within this counts as failed (and is retried). */
  timeoutMs: 10_000,
} as const;

export interface WebhookSenderOptions {
  journal: Journal;
  apps: PusherApps;
  url: string;
  /** How long the sender waits for more events when the journal is read empty: one batch's window. */
  batchMs: number;
  /** The lease's lifetime: a sender that stops renewing (killed) is replaced after this. */
  leaseMs: number;
  log: FastifyBaseLogger;
  /** Told of each request's outcome, with the events it carried (for metrics). */
  onRequest?: (outcome: 'delivered' | 'failed', events: number) => void;
  maxEvents?: number;
  retryBaseMs?: number;
  maxRetryMs?: number;
  timeoutMs?: number;
}

/**
 * Sends the Pusher webhooks of the whole cluster, from the bus's journal, on whichever
 * instance holds the lease (every instance runs one; one sends at a time):
 * read after the cursor, take one app's run of events (takeBatch), sign and POST it,
 * and only after a 2xx move the cursor past it. A failed request is retried with
 * exponential backoff, the same events in the same order, until it succeeds or the
 * lease is lost. So delivery is at least once and in journal order: a sender killed
 * between its POST and its commit has its batch sent again by the next holder.
 */
export class WebhookSender {
  readonly owner = randomUUID();
  readonly #o: Required<Omit<WebhookSenderOptions, 'onRequest'>> & Pick<WebhookSenderOptions, 'onRequest'>;
  #leasedUntil = 0;
  #renewAt = 0;
  #loop: Promise<void> | undefined;
  /** Stop asked: send what is there without waiting for more, and without retrying. */
  #draining = false;
  /** Stop now: abort the request in flight. */
  readonly #abort = new AbortController();
  #wake: (() => void) | undefined;
  #renewing: Promise<boolean> | undefined;
  #keeper: NodeJS.Timeout | undefined;

  constructor(options: WebhookSenderOptions) {
    this.#o = { ...WEBHOOK_SENDER_DEFAULTS, ...options };
  }

  start(): void {
    if (this.#loop) return;
    this.#keeper = setInterval(() => {
      if (this.#leasedUntil > 0) this.#renew().catch(() => undefined);
    }, this.#o.leaseMs / 3);
    this.#keeper.unref();
    this.#loop = this.#run();
  }

  /**
   * Sends what the journal holds for up to `graceMs` (a drain's vacated and
   * member_removed included), then gives the lease up for the next instance.
   */
  async stop(graceMs: number): Promise<void> {
    this.#draining = true;
    this.#wake?.();
    const timer = setTimeout(() => {
      this.#abort.abort();
      this.#wake?.();
    }, graceMs);
    try {
      await this.#loop;
    } finally {
      clearTimeout(timer);
      clearInterval(this.#keeper);
    }
    // A renewal still in flight would take the lease again after the resign.
    await this.#renewing?.catch(() => undefined);
    if (this.#leasedUntil > Date.now()) {
      await this.#o.journal.resign(WEBHOOK_CONSUMER, this.owner).catch(() => undefined);
    }
  }

  async #run(): Promise<void> {
    const { journal, apps, maxEvents, batchMs, leaseMs, log } = this.#o;
    let failures = 0;
    while (!this.#abort.signal.aborted) {
      try {
        if (!(await this.#holdLease())) {
          if (this.#draining) return;
          await this.#sleep(leaseMs / 3);
          continue;
        }
        const cursor = await journal.cursor(WEBHOOK_CONSUMER);
        const batch = takeBatch(await journal.read(cursor, maxEvents * 2), apps, maxEvents);
        if (!batch) {
          if (this.#draining) return;
          await this.#sleep(batchMs);
          continue;
        }
        if (batch.events.length > 0 && !(await this.#deliver(batch))) {
          if (this.#draining) return;
          continue;
        }
        await journal.commit(WEBHOOK_CONSUMER, this.owner, batch.lastId);
        failures = 0;
      } catch (err) {
        // The bus is away: nothing is lost (the journal keeps it), try again later.
        if (this.#draining) return;
        log.warn({ err }, 'Pusher webhooks: journal unavailable, retrying');
        this.#leasedUntil = 0;
        await this.#sleep(retryDelayMs(failures++, this.#o.retryBaseMs, this.#o.maxRetryMs));
      }
    }
  }

  /** True once delivered; false when it must be read again (lease lost, stopping). */
  async #deliver(batch: WebhookBatch): Promise<boolean> {
    const { apps, url, log, timeoutMs } = this.#o;
    const app = apps.byId(batch.appId!)!;
    for (let attempt = 0; ; attempt++) {
      if (this.#abort.signal.aborted || !(await this.#holdLease())) return false;
      const hook = signWebhook(app, batch.events, Date.now());
      let status = 0;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: hook.headers,
          body: hook.body,
          redirect: 'manual',
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(timeoutMs)]),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        if (this.#abort.signal.aborted) return false;
        log.warn({ err, url, attempt }, 'Pusher webhook request failed, retrying');
      }
      if (status >= 200 && status < 300) {
        this.#o.onRequest?.('delivered', batch.events.length);
        return true;
      }
      this.#o.onRequest?.('failed', batch.events.length);
      if (status !== 0) log.warn({ status, url, attempt }, 'Pusher webhook refused, retrying');
      if (this.#draining) return false;
      await this.#sleep(retryDelayMs(attempt, this.#o.retryBaseMs, this.#o.maxRetryMs));
    }
  }

  /** True while this sender holds the lease (renewed by the keeper, or now if that is due). */
  async #holdLease(): Promise<boolean> {
    const now = Date.now();
    if (now < this.#renewAt && now < this.#leasedUntil) return true;
    return this.#renew();
  }

  /**
   * Takes or extends the lease. Also run every third of its life by a timer, so a
   * long request or backoff never lets it lapse under a live sender (another
   * instance would then send the same batch meanwhile). Counted from before the
   * call: this side never believes in the lease longer than Redis keeps it.
   */
  #renew(): Promise<boolean> {
    this.#renewing ??= (async () => {
      const { journal, leaseMs } = this.#o;
      const started = Date.now();
      try {
        const held = await journal.lead(WEBHOOK_CONSUMER, this.owner, leaseMs);
        this.#leasedUntil = held ? started + leaseMs : 0;
        this.#renewAt = started + leaseMs / 3;
        return held;
      } catch (err) {
        this.#leasedUntil = 0;
        throw err;
      } finally {
        this.#renewing = undefined;
      }
    })();
    return this.#renewing;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
