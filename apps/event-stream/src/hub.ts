import type { ServerResponse } from 'node:http';
import type { Bus, BusEvent, Subscription } from '@herald/bus';
import type { Metrics } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import { encodeBusEvent, HEARTBEAT_CHUNK, HEARTBEAT_FRAMED } from './frames.js';
import { makeBatch, mergeBatches, type Batch } from './batch.js';
import { SseClient } from './sse-client.js';
import { SseStream, type SseStreamOptions } from './sse-stream.js';
import { TIME_TOPIC, type TimeTicker } from './time-ticker.js';

export interface HubOptions {
  bus: Bus;
  ticker: TimeTicker;
  metrics: Metrics;
  heartbeatMs: number;
  maxBufferedBytes: number;
  log: FastifyBaseLogger;
}

export interface HubStats {
  /** Open SSE connections. */
  streams: number;
  /** Topics with a subscription (bus or ticker) held by this hub. */
  topics: number;
  /** (client, topic) pairs. */
  listeners: number;
  heartbeat: boolean;
  time: boolean;
}

interface TopicEntry {
  readonly clients: Set<SseClient>;
  subscription?: Subscription;
  /** Events of the current event-loop turn, not yet written, and their frames. */
  events: BusEvent[];
  frames: string[];
}

const CLIENT = Symbol('herald.sseClient');
type TaggedResponse = ServerResponse & { [CLIENT]?: SseClient };

function clientOf(res: ServerResponse): SseClient | undefined {
  return (res as TaggedResponse)[CLIENT];
}

/**
 * Fan-out: one subscription per topic for the whole instance, shared by every local
 * stream of that topic. Events arriving in one event-loop turn are encoded once,
 * joined into one Buffer per topic and written once to each subscriber, so a burst
 * costs each socket one write, not one per event.
 */
export class Hub {
  readonly #options: HubOptions;
  readonly #topics = new Map<string, TopicEntry>();
  readonly #clients = new Set<SseClient>();
  #dirty: TopicEntry[] = [];
  #flushScheduled = false;
  #heartbeat: NodeJS.Timeout | undefined;

  readonly #streamOptions: SseStreamOptions;
  /** One listener for every response of this hub ('close' and 'error'), not closures per stream. */
  readonly #release: (this: ServerResponse) => void;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#streamOptions = {
      maxBufferedBytes: options.maxBufferedBytes,
      onSlow: (res) => {
        const client = clientOf(res);
        if (client) this.#onSlow(client);
      },
    };
    const remove = (client: SseClient) => this.remove(client);
    this.#release = function (this: ServerResponse) {
      const client = clientOf(this);
      if (client) remove(client);
    };
  }

  /**
   * Registers a connection on its topics. The client holds events until the route
   * calls `goLive`; `ready` resolves once every topic's subscription is live.
   */
  connect(res: ServerResponse, topics: readonly string[]): { client: SseClient; ready: Promise<void> } {
    const stream = new SseStream(res, this.#streamOptions);
    const client = new SseClient(stream, topics, this.#options.maxBufferedBytes);
    (res as TaggedResponse)[CLIENT] = client;
    res.on('close', this.#release);
    res.on('error', this.#release);

    this.#clients.add(client);
    this.#options.metrics.connections.inc();
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs);
    }
    const ready: Promise<void>[] = [];
    try {
      for (const topic of topics) ready.push(this.#join(topic, client));
    } catch (err) {
      this.remove(client);
      throw err;
    }
    return { client, ready: Promise.all(ready).then(() => undefined) };
  }

  /** Releases a client's topics and timers; idempotent. Never touches its response. */
  remove(client: SseClient): void {
    if (!this.#clients.delete(client)) return;
    client.markClosed();
    this.#options.metrics.connections.dec();
    for (const topic of client.topics) {
      const entry = this.#topics.get(topic);
      if (!entry) continue;
      entry.clients.delete(client);
      if (entry.clients.size === 0) {
        this.#topics.delete(topic);
        entry.subscription?.unsubscribe();
      }
    }
    if (this.#clients.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  /**
   * Writes everything pending now (the route calls it right before going live).
   * A stream of one topic gets that topic's shared Buffer; a stream of several gets
   * its topics' batches merged in id order, built once per combination of topics.
   */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#dirty.length === 0) return;
    const dirty = this.#dirty;
    this.#dirty = [];
    let written = 0;
    const several = new Map<SseClient, number[]>();
    const batches = dirty.map((entry, index) => {
      const batch = makeBatch(entry.events, entry.frames);
      entry.events = [];
      entry.frames = [];
      for (const client of entry.clients) {
        if (client.topics.length === 1) {
          if (client.deliver(batch)) written += batch.events.length;
          continue;
        }
        const indexes = several.get(client);
        if (indexes) indexes.push(index);
        else several.set(client, [index]);
      }
      return batch;
    });
    const merged = new Map<string, Batch>();
    for (const [client, indexes] of several) {
      let batch = indexes.length === 1 ? batches[indexes[0]!]! : undefined;
      if (!batch) {
        const key = indexes.join(',');
        batch = merged.get(key);
        if (!batch) {
          batch = mergeBatches(indexes.map((i) => batches[i]!));
          merged.set(key, batch);
        }
      }
      if (client.deliver(batch)) written += batch.events.length;
    }
    if (written === 0) return;
    const { metrics } = this.#options;
    metrics.messagesOut.inc(written);
    const now = Date.now();
    for (const batch of batches) {
      for (const event of batch.events) metrics.deliverLatency.observe(Math.max(0, now - event.ts) / 1000);
    }
  }

  /** Drain: ends every open stream (clients resume elsewhere with Last-Event-ID). */
  endAll(): void {
    this.flush();
    for (const client of [...this.#clients]) {
      // A client still being set up has no response head yet: the route answers it 503.
      if (client.stream.opened) client.stream.end();
      this.remove(client);
    }
  }

  stats(): HubStats {
    let listeners = 0;
    for (const entry of this.#topics.values()) listeners += entry.clients.size;
    return {
      streams: this.#clients.size,
      topics: this.#topics.size,
      listeners,
      heartbeat: this.#heartbeat !== undefined,
      time: this.#options.ticker.running,
    };
  }

  #join(topic: string, client: SseClient): Promise<void> {
    let entry = this.#topics.get(topic);
    if (!entry) {
      const created: TopicEntry = { clients: new Set(), events: [], frames: [] };
      const source = topic === TIME_TOPIC ? this.#options.ticker : this.#options.bus;
      created.subscription = source.subscribe(topic, (event) => this.#onEvent(created, event));
      this.#topics.set(topic, created);
      entry = created;
    }
    entry.clients.add(client);
    return entry.subscription!.ready;
  }

  #onEvent(entry: TopicEntry, event: BusEvent): void {
    let text: string;
    try {
      text = encodeBusEvent(event);
    } catch (err) {
      // Only a publisher that skipped validation (another service on the same Redis) gets here.
      this.#options.log.warn({ err, topic: event.topic, id: event.id }, 'unencodable event skipped');
      this.#options.metrics.dropped.inc();
      return;
    }
    if (entry.events.length === 0) this.#dirty.push(entry);
    entry.events.push(event);
    entry.frames.push(text);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // setImmediate, not nextTick: publishes that arrive in the same poll phase (many
      // POST /publish or Redis replies read together) share one write per socket.
      setImmediate(() => {
        if (this.#flushScheduled) this.flush();
      });
    }
  }

  #beat(): void {
    for (const client of this.#clients) client.heartbeat(HEARTBEAT_CHUNK, HEARTBEAT_FRAMED);
  }

  #onSlow(client: SseClient): void {
    this.#options.metrics.slowConsumersClosed.inc();
    this.#options.metrics.dropped.inc();
    this.#options.log.debug({ topics: client.topics }, 'slow SSE consumer cut off');
    this.remove(client);
  }
}
