import { compareIds, ZERO_ID } from '@herald/protocol';
import type { Redis } from 'ioredis';
import type { BusEvent, Listener, Subscription } from './bus.js';
import { ListenerMap } from './listeners.js';
import type { BusLogger } from './redis-connection.js';
import { byId, toBusEvent, type RawEntry } from './redis-entries.js';
import type { RedisKeys } from './redis-keys.js';

/** Entries per stream per read; a backlog after an outage is read in slices. */
const READ_COUNT = 500;

interface TopicState {
  /** Newest id delivered (at first: the newest id at subscribe time); unset until known. */
  position: string | undefined;
  readonly ready: Promise<void>;
  readonly resolve: () => void;
}

function topicState(): TopicState {
  let resolve!: () => void;
  const ready = new Promise<void>((r) => (resolve = r));
  return { position: undefined, ready, resolve };
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
}

/**
 * One blocking XREAD over every topic with local subscribers, each from the last id
 * this instance delivered. Entries of one read are merged across streams by id, so
 * every instance delivers in the same, global id order. A new topic's start is the
 * bus-wide last id (read on the command connection), so `ready` means "everything
 * published from now on will be delivered"; then the blocking read is interrupted
 * (CLIENT UNBLOCK) so it starts reading the new topic at once. After a reconnect the
 * loop resumes from the same positions: nothing Redis kept is missed.
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
  readonly #loop: Promise<void>;

  constructor(opts: StreamReaderOptions) {
    this.#opts = opts;
    this.#listeners = new ListenerMap(opts.onListenerError);
    opts.reader.on('ready', () => {
      this.#clientId = undefined;
      this.#wake();
    });
    opts.command.on('ready', () => this.#fixPending());
    this.#loop = this.#run();
  }

  subscribe(topic: string, listener: Listener<BusEvent>): Subscription {
    if (this.#closed) return { ready: Promise.resolve(), unsubscribe() {} };
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
          mine.resolve();
        }
      },
    };
  }

  stats(): { topics: number; listeners: number } {
    return { topics: this.#listeners.size, listeners: this.#listeners.listenerCount };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeIdle?.();
    for (const state of this.#topics.values()) state.resolve();
    this.#topics.clear();
    this.#listeners.clear();
    await this.#loop;
  }

  async #fix(topic: string, state: TopicState): Promise<void> {
    const { command, keys } = this.#opts;
    // Not connected: #fixPending runs when the command connection is ready again.
    if (command.status !== 'ready') return;
    try {
      const last = await command.get(keys.lastId);
      if (state.position !== undefined || this.#topics.get(topic) !== state) return;
      state.position = last ?? ZERO_ID;
      state.resolve();
      this.#wake();
    } catch {
      // The connection dropped mid-flight; #fixPending retries on 'ready'.
    }
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
        const streams = [...this.#topics].filter(([, s]) => s.position !== undefined);
        if (reader.status !== 'ready' || streams.length === 0 || this.#clientId === undefined) {
          this.#dirty = false;
          await this.#idle();
          continue;
        }
        this.#dirty = false;
        this.#reading = true;
        const reply = await reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          blockMs,
          'STREAMS',
          ...streams.map(([topic]) => keys.topic(topic)),
          ...streams.map(([, s]) => s.position!),
        );
        this.#reading = false;
        if (reply) this.#dispatch(reply);
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

  #dispatch(reply: Array<[key: string, items: RawEntry[]]>): void {
    const events: BusEvent[] = [];
    // A stream that filled COUNT may have more: nothing newer than its last entry can
    // be delivered yet, or a later read would deliver an older id after a newer one.
    let cutoff: string | undefined;
    for (const [key, items] of reply) {
      const topic = this.#opts.keys.topicOf(key);
      if (topic === undefined) continue;
      for (const item of items) {
        const event = toBusEvent(topic, item);
        if (event) events.push(event);
      }
      const last = items.at(-1)?.[0];
      if (items.length >= READ_COUNT && last && (!cutoff || compareIds(last, cutoff) < 0)) cutoff = last;
    }
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
