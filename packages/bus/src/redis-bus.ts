import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { compareIds, isId } from '@herald/protocol';
import type { Redis } from 'ioredis';
import type { Bus, BusEvent, BusStatus, History, Listener, PublishOptions, Subscription } from './bus.js';
import {
  closeConnection,
  describeTarget,
  openConnection,
  SILENT_LOGGER,
  type BusLogger,
  type ConnectionRole,
} from './redis-connection.js';
import { toBusEvents, xinfoField, type RawEntry } from './redis-entries.js';
import { epochCovers, HighWaterMark } from './redis-epoch.js';
import { BusUnavailableError, describeError } from './redis-errors.js';
import { RedisHaTracker, type RedisHaStatus } from './redis-ha.js';
import { RedisJournal } from './redis-journal.js';
import { RedisKeys } from './redis-keys.js';
import { RedisPresence } from './redis-presence.js';
import { HEARTBEAT, JOIN, LEAVE, MEMBERS, PUBLISH, REAP } from './redis-scripts.js';
import { RedisStreamReader } from './redis-stream-reader.js';
import { ReplicaWaiter } from './replica-wait.js';
import { missingTopicCovered, topicLimits } from './topic-limits.js';
import { checkOptions, REDIS_BUS_DEFAULTS, targetOf, type RedisBusOptions } from './redis-bus-options.js';

export { REDIS_BUS_DEFAULTS, type RedisBusOptions } from './redis-bus-options.js';

const SCRIPTS = [PUBLISH, HEARTBEAT, JOIN, LEAVE, MEMBERS, REAP];

/**
 * The distributed bus: any number of gateway and event-stream instances on one Redis
 * share topics, history, ids and presence.
 * - publish: one Lua script issues the next `<ms>-<seq>` id from one bus-wide
 *   sequence and XADDs it to the topic's stream (`<prefix>topic:<topic>`), trimmed
 *   to historySize, expiring topicTtlMs after the last publish. An ack means stored;
 *   while Redis is away publish rejects at once.
 * - subscribe: one blocking reader per instance over the subscribed topics that
 *   exist (see RedisStreamReader); at most maxTopics distinct topics.
 * - history: XRANGE after the id; `covered` compares it with the stream's
 *   max-deleted-entry-id (Redis 7); historyBefore: XREVRANGE below the id.
 * - presence: see RedisPresence; journal: see RedisJournal.
 * Three connections: commands, the blocking reader, pub/sub. They reconnect forever
 * with a capped backoff; the bus is ready while all three are.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  readonly presence: RedisPresence;
  readonly journal: RedisJournal;
  readonly instanceId: string;
  readonly keyPrefix: string;
  readonly #historySize: number;
  readonly #topicTtlMs: number;
  readonly #url: string;
  readonly #keys: RedisKeys;
  readonly #log: BusLogger;
  readonly #conns: Record<ConnectionRole, Redis>;
  readonly #streams: RedisStreamReader;
  readonly #statusListeners = new Set<Listener<BusStatus>>();
  /** The highest id seen from Redis: the floor of every publish (redis-epoch.ts). */
  readonly #mark = new HighWaterMark();
  readonly #ha: RedisHaTracker;
  readonly #waiter: ReplicaWaiter | undefined;
  /** The epoch check of the command connection's current session has passed. */
  #checked = false;
  #ready = false;
  #closed = false;
  /** One warning per outage, not one per reconnect attempt. */
  #outageLogged = false;

  constructor(options: RedisBusOptions) {
    const target = targetOf(options);
    checkOptions(options);
    const limits = topicLimits(options);
    this.#historySize = options.historySize;
    this.#topicTtlMs = limits.topicTtlMs;
    this.#url = describeTarget(target);
    this.keyPrefix = options.keyPrefix ?? REDIS_BUS_DEFAULTS.keyPrefix;
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#keys = new RedisKeys(this.keyPrefix, { hashTag: 'cluster' in target });
    this.#log = options.logger ?? SILENT_LOGGER;
    const onListenerError =
      options.onListenerError ?? ((err: unknown) => this.#log.error({ err }, 'redis bus: listener failed'));

    const open = (role: ConnectionRole) => {
      // Named per instance, so CLIENT LIST tells whose connection it is (Redis takes
      // only '!'..'~' in a name).
      const conn = openConnection(target, role, `herald-${role}:${this.instanceId.replace(/[^!-~]/g, '_')}`, this.#keys.lastId);
      conn.on('error', (err: Error) => this.#onError(role, err));
      conn.on('ready', () => this.#updateStatus());
      conn.on('close', () => this.#updateStatus());
      return conn;
    };
    this.#ha = new RedisHaTracker(this.#keys, this.#mark, this.#log);
    this.#waiter = ReplicaWaiter.from(options, REDIS_BUS_DEFAULTS, () => this.#ha.waitFailures++);
    const command = open('command');
    // Registered before anything else listens for 'ready', so on every (re)connect
    // the scripts are loaded and the epoch checked ahead of the first publish.
    command.on('ready', () => {
      for (const script of SCRIPTS) command.script('LOAD', script.source).catch(() => {});
      this.#ha.check(command, () => !this.#closed, () => {
        this.#checked = true;
        this.#updateStatus();
      });
    });
    command.on('close', () => {
      this.#checked = false;
      this.#ha.disconnected();
      this.#waiter?.connectionChanged();
    });
    this.#conns = { command, reader: open('reader'), subscriber: open('subscriber') };

    this.#streams = new RedisStreamReader({
      reader: this.#conns.reader,
      command,
      keys: this.#keys,
      log: this.#log,
      onListenerError,
      blockMs: options.blockMs ?? REDIS_BUS_DEFAULTS.blockMs,
      ...limits,
    });
    this.presence = new RedisPresence({
      command,
      subscriber: this.#conns.subscriber,
      keys: this.#keys,
      instanceId: this.instanceId,
      ttlMs: options.presenceTtlMs ?? REDIS_BUS_DEFAULTS.presenceTtlMs,
      log: this.#log,
      onListenerError,
    });
    this.journal = new RedisJournal(() => this.#command('journal'), this.#keys);
  }

  async publish(topic: string, data: string, options: PublishOptions = {}): Promise<BusEvent> {
    const command = this.#command('publish');
    const ts = Date.now();
    const floor = this.#mark.get() ?? '';
    const args: Array<string | number> = [this.#historySize, ts, data, this.#topicTtlMs, topic, floor];
    if (options.event !== undefined) args.push(options.event);
    const keys = [this.#keys.lastId, this.#keys.topic(topic), this.#keys.newTopics];
    const generation = this.#waiter?.generation ?? 0;
    let id: unknown;
    try {
      id = await PUBLISH.run(command, keys, args);
    } catch (err) {
      throw new BusUnavailableError(`redis publish failed, not stored: ${describeError(err)}`, { cause: err });
    }
    if (typeof id !== 'string') throw new Error('redis publish script returned no id');
    // Issued, acknowledged or not: it must never be issued again.
    this.#mark.see(id);
    await this.#waiter?.confirm(command, generation);
    return options.event === undefined
      ? { id, topic, data, ts }
      : { id, topic, data, event: options.event, ts };
  }

  subscribe(topic: string, listener: Listener<BusEvent>): Subscription {
    return this.#streams.subscribe(topic, (event) => {
      this.#mark.see(event.id);
      listener(event);
    });
  }

  async history(topic: string, after?: string, limit = this.#historySize): Promise<History> {
    if (after !== undefined && !isId(after)) throw new TypeError(`not a message id: ${after}`);
    const command = this.#command('history');
    const count = Math.max(0, Math.floor(limit));
    const key = this.#keys.topic(topic);
    if (after === undefined) {
      if (count === 0) return { events: [], covered: true };
      const newest = (await command.xrevrange(key, '+', '-', 'COUNT', count)) as RawEntry[];
      return { events: toBusEvents(topic, newest.reverse()), covered: true };
    }
    // One transaction, so `covered` describes exactly the range that was read.
    const results = await command
      .multi()
      .xrange(key, `(${after}`, '+', 'COUNT', Math.max(count, 1))
      .xinfo('STREAM', key)
      .hmget(this.#keys.epoch, 'n', 'since', 'at')
      .get(this.#keys.lastId)
      .exec();
    const [range, info, epoch, last] = results ?? [];
    if (!range || range[0]) throw range?.[0] ?? new BusUnavailableError('redis history read failed');
    if (!epoch || epoch[0] || !last || last[0]) throw epoch?.[0] ?? last?.[0] ?? new BusUnavailableError('redis history read failed');
    // The epoch as of this read, perhaps begun by another instance.
    const since = this.#ha.observe(epoch[1]);
    // XINFO fails only when the stream does not exist: nothing was ever trimmed.
    const maxDeleted = info && !info[0] ? xinfoField(info[1], 'max-deleted-entry-id') : undefined;
    const exists = Boolean(info && !info[0]);
    const covered = exists
      ? typeof maxDeleted !== 'string' || !isId(maxDeleted) || compareIds(after, maxDeleted) >= 0
      : missingTopicCovered(after, this.#topicTtlMs);
    const events = count === 0 ? [] : toBusEvents(topic, range[1] as RawEntry[]);
    return { events, covered: covered && epochCovers(after, since, (last[1] as string | null) ?? undefined) };
  }

  async newestId(): Promise<string | undefined> {
    let id: string | null;
    try {
      id = await this.#command('newest id').get(this.#keys.lastId);
    } catch (err) {
      throw new BusUnavailableError(`redis read failed: ${describeError(err)}`, { cause: err });
    }
    this.#mark.see(id);
    return id ?? undefined;
  }

  async historyBefore(topic: string, before: string, limit: number): Promise<BusEvent[]> {
    if (!isId(before)) throw new TypeError(`not a message id: ${before}`);
    const command = this.#command('history');
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    const older = (await command.xrevrange(this.#keys.topic(topic), `(${before}`, '-', 'COUNT', count)) as RawEntry[];
    return toBusEvents(topic, older.reverse());
  }

  isReady(): boolean {
    return this.#ready;
  }

  onStatus(listener: Listener<BusStatus>): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Resolves true once ready, or false after `timeoutMs` (the bus keeps trying). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.#ready) return true;
    if (this.#closed) return false;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.onStatus((status) => {
        if (status !== 'ready') return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  /** Which Redis this instance is on, its epoch and failovers seen (for /readyz and metrics). */
  ha(): RedisHaStatus {
    return this.#ha.status();
  }

  /** WAIT round trips sent so far (REDIS_WAIT_REPLICAS > 0), for tests of the coalescing. */
  get waitsSent(): number {
    return this.#waiter?.waits ?? 0;
  }

  /** Topics with live local subscribers, and listeners in all (for leak checks). */
  stats(): { topics: number; listeners: number } {
    return this.#streams.stats();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statusListeners.clear();
    this.#ready = false;
    this.#ha.disconnected();
    await this.presence.close();
    // The reader is blocked in XREAD: no polite QUIT, drop it.
    this.#conns.reader.disconnect();
    await this.#streams.close();
    await Promise.all([closeConnection(this.#conns.subscriber), closeConnection(this.#conns.command)]);
  }

  #command(what: string): Redis {
    if (this.#closed) throw new Error('bus is closed');
    const { command } = this.#conns;
    if (command.status !== 'ready') {
      throw new BusUnavailableError(`redis is not connected (${this.#url}): ${what} unavailable`);
    }
    return command;
  }

  #onError(role: ConnectionRole, err: Error): void {
    if (this.#closed || this.#outageLogged) return;
    this.#outageLogged = true;
    this.#log.warn(
      { redis: this.#url, connection: role, err: err.message },
      'redis bus: redis unreachable, reconnecting with backoff (not ready until it is back)',
    );
  }

  #updateStatus(): void {
    if (this.#closed) return;
    const ready = this.#checked && Object.values(this.#conns).every((c) => c.status === 'ready');
    if (ready === this.#ready) return;
    this.#ready = ready;
    if (ready) {
      this.#outageLogged = false;
      // The address actually reached: behind Sentinel, which master this is now.
      const { remoteAddress, remotePort } = this.#conns.command.stream ?? {};
      const master = remoteAddress === undefined ? undefined : `${remoteAddress}:${remotePort}`;
      this.#log.info({ redis: this.#url, master, instance: this.instanceId }, 'redis bus: connected');
    } else if (!this.#outageLogged) {
      this.#outageLogged = true;
      this.#log.warn({ redis: this.#url }, 'redis bus: connection lost, reconnecting');
    }
    const status: BusStatus = ready ? 'ready' : 'down';
    for (const listener of this.#statusListeners) {
      try {
        listener(status);
      } catch (err) {
        this.#log.error({ err }, 'redis bus: status listener failed');
      }
    }
  }
}
