import type { User } from '@herald/protocol';
import type { JoinOptions, Journal } from './journal.js';
import type { TopicLimitOptions } from './topic-limits.js';

/** One published event as stored and delivered by a bus. */
export interface BusEvent {
  /** `<ms>-<seq>`, from one sequence for the whole bus (see @herald/protocol ids). */
  readonly id: string;
  readonly topic: string;
  /** The payload, already serialized (JSON text): encoded once, delivered many times. */
  readonly data: string;
  /** Optional SSE event name. */
  readonly event?: string;
  /** Publish time, ms since the epoch: used for publish→deliver latency. */
  readonly ts: number;
}

export interface PublishOptions {
  event?: string;
}

export interface History {
  /** Events after the requested id (or the newest ones), oldest first. */
  readonly events: BusEvent[];
  /**
   * false when events after the requested id were already trimmed away, so the
   * caller cannot recover exactly and must say so (`recovered:false`, SSE `reset`).
   */
  readonly covered: boolean;
}

export type Listener<T> = (value: T) => void;

export interface Subscription {
  /** Resolves once events published from now on are certain to be delivered. */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

export interface PresenceChange {
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly user: User;
  readonly connectionId: string;
}

/**
 * Who is in which room, across every instance that shares the bus. A connection is
 * a member until it leaves, closes, or its instance stops answering.
 */
export interface Presence {
  /** With `occupancy`, the entry's occupancy transitions go to the bus's journal. */
  join(room: string, connectionId: string, user: User, options?: JoinOptions): Promise<void>;
  leave(room: string, connectionId: string): Promise<void>;
  /** One entry per connection, oldest first. */
  members(room: string): Promise<Array<{ connectionId: string; user: User }>>;
  /**
   * Every room whose name starts with `prefix` (literally: no pattern characters) and
   * has a member now, each once, in no set order. On Redis this walks every presence
   * key (SCAN), so pass the most specific prefix the caller has.
   */
  rooms(prefix: string): Promise<string[]>;
  /** Joins and leaves in `room`, from every instance, including this one. */
  subscribe(room: string, listener: Listener<PresenceChange>): Subscription;
}

export type BusStatus = 'ready' | 'down';

/**
 * The message bus both services publish and subscribe through.
 *
 * `MemoryBus` (the default) keeps everything in this process: right for one
 * instance and for development. Switch to `RedisBus` (set REDIS_URL) as soon as a
 * second instance of either service runs: then rooms, topics, history and presence
 * are shared, and ids stay valid when any instance restarts.
 */
export interface Bus {
  readonly kind: 'memory' | 'redis';
  readonly presence: Presence;
  /** Occupancy transitions of counted presence rooms and app notes, for one consumer at a time. */
  readonly journal: Journal;
  /** Stores the event in the topic's history and delivers it to every subscriber. */
  publish(topic: string, data: string, options?: PublishOptions): Promise<BusEvent>;
  /**
   * Live events of `topic`, in id order, each once. Throws `TopicLimitError` (and
   * subscribes nothing) when `topic` would be one distinct topic past `maxTopics`.
   */
  subscribe(topic: string, listener: Listener<BusEvent>): Subscription;
  /**
   * Events of `topic` after `after` (all retained ones up to `limit`, oldest first),
   * or, without `after`, the newest `limit` events.
   */
  history(topic: string, after?: string, limit?: number): Promise<History>;
  /**
   * The newest id this bus has issued, on any topic (undefined before the first
   * publish). Read after a subscription is ready, it splits a resume in two: every
   * event above it will arrive live, every one at or below it is in history.
   */
  newestId(): Promise<string | undefined>;
  /**
   * The newest `limit` events of `topic` older than `before`, oldest first (paging
   * back through history; `before` need not be an id of this topic).
   */
  historyBefore(topic: string, before: string, limit: number): Promise<BusEvent[]>;
  /** Whether the bus can publish right now (the Redis connection is up). */
  isReady(): boolean;
  onStatus(listener: Listener<BusStatus>): () => void;
  close(): Promise<void>;
}

export interface BusOptions extends TopicLimitOptions {
  /** Events kept per topic (HISTORY_SIZE). */
  historySize: number;
}
