import { compareIds, ZERO_ID } from '@herald/protocol';
import type { Redis } from 'ioredis';
import type { BusEvent, Listener, Subscription } from './bus.js';
import { ListenerMap } from './listeners.js';
import type { BusLogger } from './redis-connection.js';
import { byId, toBusEvent, type RawEntry } from './redis-entries.js';
import type { RedisKeys } from './redis-keys.js';
import { sweepIntervalMs, TopicLimitError } from './topic-limits.js';

/** Entries per stream per read; a backlog after an outage is read in slices. */
const READ_COUNT = 500;

/** Refreshes of subscribed topics' TTL are at most this far apart. */
const TOUCH_CAP_MS = 10 * 60_000;

interface TopicState {
  /** Newest id delivered (at first: the newest id at subscribe time); unset until known. */
  position: string | undefined;
  /** Whether its stream exists: only those are read (an XREAD costs per key). */
  exists: boolean;
  readonly ready: Promise<void>;
  readonly resolve: () => void;
}

function topicState(): TopicState {
  let resolve!: () => void;
  const ready = new Promise<void>((r) => (resolve = r));
  return { position: undefined, exists: false, ready, resolve };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface StreamReaderOptions {
  /** Dedicated to XREAD BLOCK. */
  reader: Redis;
  /** Shared command connection: fixes start positions, interrupts the blocking read. */
  command: Redis;
  keys: RedisKeys;
  log: BusLogger;
  onListenerError: (err: unknown) => void;
  blockMs: number;
  topicTtlMs: number;
  maxTopics: number;
}

/**
 * One blocking XREAD over every topic with local subscribers whose stream exists,
 * each from the last id this instance delivered. Entries of one read are merged
 * across streams by id, so every instance delivers in the same, global id order. A
 * new topic's start is the bus-wide last id (read on the command connection), so
 * `ready` means "everything published from now on will be delivered"; then the
 * blocking read is interrupted (CLIENT UNBLOCK) so it starts reading the new topic at
 * once. After a reconnect the loop resumes from the same positions: nothing Redis
 * kept is missed.
 *
 * Topics that do not exist yet are left out of the read: an XREAD costs Redis per
 * key, so a client subscribing to thousands of made-up topics would slow every
 * read (121x with 3,200 of them). The read instead includes the new-topics stream,
 * where the publish script announces each stream it creates with the id of its first
 * event. Reaching that announcement, the reader delivers nothing newer than it in
 * that read and adds the topic, still at its subscribe-time position: the topic's
 * first events come next, in id order, with no gap and no duplicate.
 *
 * Subscribed topics are kept alive: their TTL is refreshed on subscribe, on the last
 * unsubscribe and every quarter TTL (at most 10 min apart) while subscribed, one
 * pipelined PEXPIRE per topic, independent of the publish rate. Its reply says
 * which streams exist, which catches a topic whose announcement was missed.
 */
export class RedisStreamReader {
  readonly #opts: StreamReaderOptions;
  readonly #topics = new Map<string, TopicState>();
  readonly #listeners: ListenerMap<BusEvent>;
  #clientId: number | undefined;
  #reading = false;
  #dirty = false;
  #unblocking = false;
  #closed = false;
  #wakeIdle: (() => void) | undefined;
  /** Position in the new-topics stream; unset while no topic has a position. */
  #newTopicsAt: string | undefined;
  readonly #toucher: NodeJS.Timeout;
  readonly #loop: Promise<void>;

  constructor(opts: StreamReaderOptions) {
    this.#opts = opts;
    this.#listeners = new ListenerMap(opts.onListenerError);
    opts.reader.on('ready', () => {
      this.#clientId = undefined;
      // Announcements may have been trimmed away while the reader was gone.
      this.#touch([...this.#topics.keys()]);
      this.#wake();
    });
    opts.command.on('ready', () => this.#fixPending());
    this.#toucher = setInterval(() => this.#touch([...this.#topics.keys()]), sweepIntervalMs(opts.topicTtlMs, TOUCH_CAP_MS));
    this.#toucher.unref();
    this.#loop = this.#run();
  }

  subscribe(topic: string, listener: Listener<BusEvent>): Subscription {
    if (this.#closed) return { ready: Promise.resolve(), unsubscribe() {} };
    if (!this.#topics.has(topic) && this.#topics.size >= this.#opts.maxTopics) {
      throw new TopicLimitError(this.#opts.maxTopics);
    }
    const off = this.#listeners.add(topic, listener);
    let state = this.#topics.get(topic);
    if (!state) {
      state = topicState();
      this.#topics.set(topic, state);
      void this.#fix(topic, state);
    }
    const mine = state;
    return {
      ready: mine.ready,
      unsubscribe: () => {
        off();
        // The last listener gone: the next read leaves the topic out.
        if (!this.#listeners.has(topic) && this.#topics.get(topic) === mine) {
          this.#topics.delete(topic);
          if (this.#topics.size === 0) this.#newTopicsAt = undefined;
          mine.resolve();
          // The TTL counts from the last subscriber gone, not from the last refresh.
          this.#touch([topic]);
        }
      },
    };
  }

  stats(): { topics: number; listeners: number } {
    return { topics: this.#listeners.size, listeners: this.#listeners.listenerCount };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#toucher);
    this.#wakeIdle?.();
    for (const state of this.#topics.values()) state.resolve();
    this.#topics.clear();
    this.#listeners.clear();
    await this.#loop;
  }

  async #fix(topic: string, state: TopicState): Promise<void> {
    const { command, keys, topicTtlMs } = this.#opts;
    // Not connected: #fixPending runs when the command connection is ready again.
    if (command.status !== 'ready') return;
    try {
      // One transaction: a stream missing here is created by a later publish, whose
      // id is above `last` and whose announcement the reader will reach.
      const key = keys.topic(topic);
      const replies = await command.multi().get(keys.lastId).exists(key).pexpire(key, topicTtlMs).exec();
      const [got, exists] = replies ?? [];
      if (!got || got[0] || !exists || exists[0]) return;
      if (state.position !== undefined || this.#topics.get(topic) !== state) return;
      const last = (got[1] as string | null) ?? ZERO_ID;
      state.position = last;
      // An announcement read meanwhile may already have set it.
      state.exists ||= exists[1] === 1;
      this.#newTopicsAt ??= last;
      state.resolve();
      // A topic left out of the read changes nothing in a read in flight (every read
      // watches new-topics): no need to interrupt it, 3,200 times for 3,200 topics.
      if (state.exists || !this.#reading) this.#wake();
    } catch {
      // The connection dropped mid-flight; #fixPending retries on 'ready'.
    }
  }

  /**
   * Refreshes the TTL of these topics' streams. PEXPIRE answers 1 when the key
   * exists, so this also takes in a held-back topic whose announcement was missed
   * (trimmed while the reader was away, or published by an older instance): safe at
   * any time, as a read that could deliver something newer than its first event
   * also carries that announcement, if it exists.
   */
  #touch(topics: string[]): void {
    const { command, keys, topicTtlMs } = this.#opts;
    if (topics.length === 0 || command.status !== 'ready') return;
    const states = topics.map((topic) => this.#topics.get(topic));
    const pipeline = command.pipeline();
    for (const topic of topics) pipeline.pexpire(keys.topic(topic), topicTtlMs);
    pipeline
      .exec()
      .then((replies) => {
        let found = false;
        states.forEach((state, i) => {
          const topic = topics[i]!;
          if (!state || state.exists || replies?.[i]?.[1] !== 1 || this.#topics.get(topic) !== state) return;
          state.exists = true;
          found = state.position !== undefined || found;
        });
        if (found) this.#wake();
      })
      // Best effort: a failed refresh is retried by the next one, long before the TTL.
      .catch(() => {});
  }

  #fixPending(): void {
    for (const [topic, state] of this.#topics) {
      if (state.position === undefined) void this.#fix(topic, state);
    }
  }

  #wake(): void {
    this.#dirty = true;
    const wake = this.#wakeIdle;
    this.#wakeIdle = undefined;
    wake?.();
    if (this.#reading) void this.#unblock();
  }

  #idle(): Promise<void> {
    // close() may have come while the loop awaited a reply (CLIENT ID): its wake
    // found no idle wait to end, so a new one would never end and close() would hang.
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#wakeIdle = resolve));
  }

  async #run(): Promise<void> {
    const { reader, keys, log, blockMs } = this.#opts;
    while (!this.#closed) {
      try {
        if (reader.status === 'ready' && this.#clientId === undefined) {
          this.#clientId = Number(await reader.client('ID'));
        }
        // From here to the XREAD being sent there is no await: a wake() either came
        // before (and its topic is in this read) or sees #reading and unblocks it.
        const newTopicsAt = this.#newTopicsAt;
        const placed = [...this.#topics].filter(([, s]) => s.position !== undefined);
        if (reader.status !== 'ready' || placed.length === 0 || newTopicsAt === undefined || this.#clientId === undefined) {
          this.#dirty = false;
          await this.#idle();
          continue;
        }
        const streams = placed.filter(([, s]) => s.exists);
        this.#dirty = false;
        this.#reading = true;
        const reply = await reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          blockMs,
          'STREAMS',
          keys.newTopics,
          ...streams.map(([topic]) => keys.topic(topic)),
          newTopicsAt,
          ...streams.map(([, s]) => s.position!),
        );
        this.#reading = false;
        if (reply) this.#dispatch(reply, new Set(streams.map(([topic]) => topic)));
      } catch (err) {
        this.#reading = false;
        if (this.#closed) break;
        // A dropped connection waits for 'ready'; anything else is logged, then retried.
        if (reader.status === 'ready') {
          log.error({ err }, 'redis bus: stream read failed, retrying');
          await sleep(1000);
        }
      }
    }
  }

  #dispatch(reply: Array<[key: string, items: RawEntry[]]>, read: Set<string>): void {
    const events: BusEvent[] = [];
    let announced: RawEntry[] = [];
    // A stream that filled COUNT may have more: nothing newer than its last entry can
    // be delivered yet, or a later read would deliver an older id after a newer one.
    let cutoff: string | undefined;
    for (const [key, items] of reply) {
      const last = items.at(-1)?.[0];
      if (items.length >= READ_COUNT && last && (!cutoff || compareIds(last, cutoff) < 0)) cutoff = last;
      if (key === this.#opts.keys.newTopics) {
        announced = items;
        continue;
      }
      const topic = this.#opts.keys.topicOf(key);
      if (topic === undefined) continue;
      for (const item of items) {
        const event = toBusEvent(topic, item);
        if (event) events.push(event);
      }
    }
    cutoff = this.#admitNewTopics(announced, read, cutoff);
    events.sort(byId);
    for (const event of events) {
      if (cutoff && compareIds(event.id, cutoff) > 0) break;
      const state = this.#topics.get(event.topic);
      // Unsubscribed meanwhile, or already delivered by an earlier read.
      if (!state?.position || compareIds(event.id, state.position) <= 0) continue;
      state.position = event.id;
      this.#listeners.emit(event.topic, event);
    }
  }

  /**
   * Takes in the topics announced on new-topics, in id order, up to `cutoff`. A
   * subscribed one this read left out becomes the new cutoff: its first event has
   * the announcement's id, so nothing newer may be delivered before it is read.
   */
  #admitNewTopics(announced: RawEntry[], read: Set<string>, cutoff: string | undefined): string | undefined {
    for (const [id, fields] of announced) {
      if (cutoff && compareIds(id, cutoff) > 0) break;
      const at = this.#newTopicsAt;
      // Unset: no topic is subscribed any more; older: read again after a reset.
      if (at === undefined) break;
      if (compareIds(id, at) <= 0) continue;
      this.#newTopicsAt = id;
      const topic = fields[0] === 't' ? fields[1] : undefined;
      const state = topic === undefined ? undefined : this.#topics.get(topic);
      if (!state || state.exists) continue;
      state.exists = true;
      if (state.position !== undefined && !read.has(topic!)) return id;
    }
    return cutoff;
  }

  async #unblock(): Promise<void> {
    if (this.#unblocking) return;
    this.#unblocking = true;
    const { command } = this.#opts;
    try {
      // UNBLOCK answers 0 when the XREAD has not reached Redis yet (two connections,
      // no ordering between them): try again until the read returns.
      let delay = 2;
      while (this.#reading && this.#dirty && !this.#closed && command.status === 'ready' && this.#clientId !== undefined) {
        await command.client('UNBLOCK', this.#clientId);
        await sleep(delay);
        delay = Math.min(delay * 2, 100);
      }
    } catch {
      // Connection trouble: the read ends by itself (BLOCK timeout or disconnect).
    } finally {
      this.#unblocking = false;
    }
  }
}
