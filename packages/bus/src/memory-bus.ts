import { compareIds, type User } from '@herald/protocol';
import type {
  Bus,
  BusEvent,
  BusOptions,
  BusStatus,
  History,
  Listener,
  Presence,
  PresenceChange,
  PublishOptions,
  Subscription,
} from './bus.js';
import { IdClock } from './id-clock.js';
import type { JoinOptions, Occupancy } from './journal.js';
import { ListenerMap } from './listeners.js';
import { MemoryJournal, OccupancyCounts } from './memory-journal.js';
import { missingTopicCovered, sweepIntervalMs, topicLimits, TopicLimitError } from './topic-limits.js';

const READY: Promise<void> = Promise.resolve();

interface TopicLog {
  events: BusEvent[];
  /** Id of the newest event trimmed away; resuming from before it is not exact. */
  trimmedUpTo?: string;
  /** Last publish, or last subscriber gone, ms: the TTL counts from here. */
  touchedAt: number;
}

class MemoryPresence implements Presence {
  readonly #rooms = new Map<string, Map<string, { user: User; occupancy?: Occupancy | undefined }>>();
  readonly #listeners = new ListenerMap<PresenceChange>();
  readonly #occupancy = new OccupancyCounts();

  constructor(private readonly journal: MemoryJournal) {}

  async join(room: string, connectionId: string, user: User, options: JoinOptions = {}): Promise<void> {
    let members = this.#rooms.get(room);
    if (!members) {
      members = new Map();
      this.#rooms.set(room, members);
    }
    if (members.has(connectionId)) return;
    members.set(connectionId, { user, occupancy: options.occupancy });
    if (options.occupancy) {
      for (const record of this.#occupancy.joined(room, user.id, options.occupancy)) this.journal.record(record);
    }
    this.#listeners.emit(room, { room, event: 'join', user, connectionId });
  }

  async leave(room: string, connectionId: string): Promise<void> {
    const members = this.#rooms.get(room);
    const entry = members?.get(connectionId);
    if (!members || !entry) return;
    members.delete(connectionId);
    if (members.size === 0) this.#rooms.delete(room);
    const { user, occupancy } = entry;
    if (occupancy) for (const record of this.#occupancy.left(room, user.id, occupancy)) this.journal.record(record);
    this.#listeners.emit(room, { room, event: 'leave', user, connectionId });
  }

  async members(room: string): Promise<Array<{ connectionId: string; user: User }>> {
    const members = this.#rooms.get(room);
    if (!members) return [];
    return [...members].map(([connectionId, { user }]) => ({ connectionId, user }));
  }

  async rooms(prefix: string): Promise<string[]> {
    // Emptied rooms are deleted on leave, so every key has a member.
    return [...this.#rooms.keys()].filter((room) => room.startsWith(prefix));
  }

  subscribe(room: string, listener: Listener<PresenceChange>): Subscription {
    return { ready: READY, unsubscribe: this.#listeners.add(room, listener) };
  }
}

/**
 * The index of the first event whose id is above `id` (or, not `strictly`, at
 * or above it). Ids only grow, so a binary search finds it.
 */
function firstAbove(events: readonly BusEvent[], id: string, strictly: boolean): number {
  const below = strictly ? 1 : 0;
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(events[mid]!.id, id) < below) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The default bus: everything in this process. Fine for a single instance and for
 * development; history and presence die with the process. Use `RedisBus` when more
 * than one instance must act as one.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly journal = new MemoryJournal();
  readonly presence: Presence = new MemoryPresence(this.journal);
  readonly #logs = new Map<string, TopicLog>();
  readonly #listeners: ListenerMap<BusEvent>;
  readonly #clock = new IdClock();
  readonly #historySize: number;
  readonly #ttlMs: number;
  readonly #maxTopics: number;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: BusOptions, onListenerError?: (err: unknown) => void) {
    if (!Number.isSafeInteger(options.historySize) || options.historySize < 0) {
      throw new RangeError('historySize must be a non-negative integer');
    }
    const limits = topicLimits(options);
    this.#historySize = options.historySize;
    this.#ttlMs = limits.topicTtlMs;
    this.#maxTopics = limits.maxTopics;
    this.#listeners = new ListenerMap(onListenerError);
    // One sweep for every topic, not a timer per topic; unref'd so an idle bus
    // never keeps the process alive. Reads also check expiry, so a topic is gone
    // from history exactly at its TTL; the sweep frees the memory of the rest.
    this.#sweeper = setInterval(() => this.#sweep(), sweepIntervalMs(this.#ttlMs, 60_000));
    this.#sweeper.unref();
  }

  async publish(topic: string, data: string, options: PublishOptions = {}): Promise<BusEvent> {
    if (this.#closed) throw new Error('bus is closed');
    const event: BusEvent =
      options.event === undefined
        ? { id: this.#clock.next(), topic, data, ts: Date.now() }
        : { id: this.#clock.next(), topic, data, event: options.event, ts: Date.now() };
    this.#append(event);
    this.#listeners.emit(topic, event);
    return event;
  }

  subscribe(topic: string, listener: Listener<BusEvent>): Subscription {
    if (!this.#listeners.has(topic) && this.#listeners.size >= this.#maxTopics) {
      throw new TopicLimitError(this.#maxTopics);
    }
    // Past its TTL a topic is gone even if the sweep has not come by yet (as on Redis).
    this.#live(topic, Date.now());
    const off = this.#listeners.add(topic, listener);
    return {
      ready: READY,
      unsubscribe: () => {
        off();
        const log = this.#logs.get(topic);
        if (log && !this.#listeners.has(topic)) log.touchedAt = Date.now();
      },
    };
  }

  async history(topic: string, after?: string, limit = this.#historySize): Promise<History> {
    const log = this.#live(topic, Date.now());
    if (after === undefined) {
      return { events: log && limit > 0 ? log.events.slice(-limit) : [], covered: true };
    }
    if (!log) return { events: [], covered: missingTopicCovered(after, this.#ttlMs) };
    const covered = log.trimmedUpTo === undefined || compareIds(after, log.trimmedUpTo) >= 0;
    const lo = firstAbove(log.events, after, true);
    return { events: log.events.slice(lo, lo + limit), covered };
  }

  async newestId(): Promise<string | undefined> {
    return this.#clock.last();
  }

  async historyBefore(topic: string, before: string, limit: number): Promise<BusEvent[]> {
    const log = this.#live(topic, Date.now());
    if (!log || limit <= 0) return [];
    const end = firstAbove(log.events, before, false);
    return log.events.slice(Math.max(0, end - limit), end);
  }

  isReady(): boolean {
    return !this.#closed;
  }

  onStatus(_listener: Listener<BusStatus>): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#listeners.clear();
  }

  /** Topics with live subscribers, and listeners in all (for leak checks). */
  stats(): { topics: number; listeners: number } {
    return { topics: this.#listeners.size, listeners: this.#listeners.listenerCount };
  }

  /** Topics whose history is held in memory (for checks that idle ones are freed). */
  retainedTopics(): number {
    return this.#logs.size;
  }

  /** The topic's log, unless it outlived its TTL (then it is dropped now). */
  #live(topic: string, now: number): TopicLog | undefined {
    const log = this.#logs.get(topic);
    if (!log || now - log.touchedAt < this.#ttlMs || this.#listeners.has(topic)) return log;
    this.#logs.delete(topic);
    return undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const topic of this.#logs.keys()) this.#live(topic, now);
  }

  #append(event: BusEvent): void {
    let log = this.#live(event.topic, event.ts);
    if (!log) {
      log = { events: [], touchedAt: event.ts };
      this.#logs.set(event.topic, log);
    }
    log.touchedAt = event.ts;
    log.events.push(event);
    const excess = log.events.length - this.#historySize;
    if (excess > 0) {
      const trimmed = log.events.splice(0, excess);
      log.trimmedUpTo = trimmed[trimmed.length - 1]!.id;
    }
  }
}
