import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TopicLimitError, type Bus, type BusEvent, type Subscription } from '@herald/bus';
import { atExpiry } from '@herald/server-kit';
import type { Metrics } from '@herald/server-kit';
import { freshHeld, LiveFloors, TIME_TOPIC } from '@herald/protocol';
import { unavailable } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import { encodeBusEvent, HEARTBEAT_BYTES, HEARTBEAT_CHUNKED } from './frames.js';
import { makeBatch, mergeBatches, type Batch } from './batch.js';
import { Subscriber } from './stream-subscriber.js';
import { SseStream, type Headers, type SseStreamOptions } from './sse-stream.js';
import { openReplay, pageText, type OpenedReplay } from './stream-replay.js';
import { FlushPacer } from './flush-pacer.js';
import type { TimeTicker } from './time-ticker.js';

export interface StreamHubOptions {
  bus: Bus;
  ticker: TimeTicker;
  metrics: Metrics;
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** Events per replay page (@herald/protocol replayPageEvents of MAX_BUFFERED_BYTES). */
  replayPageSize: number;
  log: FastifyBaseLogger;
}

export interface StreamHubStats {
  /** Open SSE connections. */
  streams: number;
  /** Topics with a subscription (bus or ticker) held by this hub. */
  topics: number;
  /** (subscriber, topic) pairs. */
  listeners: number;
  heartbeat: boolean;
  time: boolean;
}

export interface OpenRequest {
  topics: readonly string[];
  /** Resume after this id; undefined for a fresh stream. */
  after: string | undefined;
  /** The request's logger. */
  log: FastifyBaseLogger;
  /** When the reader's token expires (ms): the stream is ended then. */
  expiresAt?: number | undefined;
}

/** A stream subscribed, with its replay's first page read, whose response head has not gone out yet. */
export interface PendingStream {
  /**
   * Sends the head with `first`, then the replay page by page (each once the last
   * drained), and goes live. Call it at once (same turn) after the route has taken
   * the response over.
   */
  start(headers: Headers, first: string): void;
}

interface Connecting {
  readonly subscriber: Subscriber;
  /** Resolves once every topic's subscription is live. */
  readonly ready: Promise<void>;
}

interface TopicEntry {
  readonly subscribers: Set<Subscriber>;
  subscription?: Subscription;
  /** Events of the current event-loop turn, not yet written, and their frames. */
  events: BusEvent[];
  frames: string[];
}

/** A fresh stream's floors: none, every event is new (never mutated: nothing to admit past). */
const NO_FLOORS = new LiveFloors();

/** On a stream's response, its SseStream and (once taken over) its socket: shared listeners find it there. */
const SUBSCRIBER = Symbol('herald.subscriber');
type Tagged = { [SUBSCRIBER]?: Subscriber };

function subscriberOf(target: object): Subscriber | undefined {
  return (target as Tagged)[SUBSCRIBER];
}

function tag(target: object, subscriber: Subscriber): void {
  (target as Tagged)[SUBSCRIBER] = subscriber;
}

/** A taken-over SSE socket has nothing to hear: bytes (a pipelined request) or a half-close end it. */
function hangUp(this: Socket): void {
  this.destroy();
}

/**
 * Fan-out: one subscription per topic for the whole instance, shared by every local
 * stream of that topic. Events arriving before a flush are encoded once, joined
 * into one Buffer per topic and written once to each subscriber, so a burst costs
 * each socket one write, not one per event. Flushes are paced (flush-pacer.ts): in
 * a burst the publishes read while the last write went out share the next one.
 */
export class StreamHub {
  readonly #options: StreamHubOptions;
  readonly #topics = new Map<string, TopicEntry>();
  readonly #subscribers = new Set<Subscriber>();
  #dirty: TopicEntry[] = [];
  readonly #pacer = new FlushPacer(() => this.#write());
  #heartbeat: NodeJS.Timeout | undefined;

  readonly #streamOptions: SseStreamOptions;
  /** One listener for every response and socket of this hub ('close' and 'error'), not closures per stream. */
  readonly #release: (this: object) => void;

  constructor(options: StreamHubOptions) {
    this.#options = options;
    this.#streamOptions = {
      maxBufferedBytes: options.maxBufferedBytes,
      onSlow: (stream) => {
        const subscriber = subscriberOf(stream);
        if (subscriber) this.#onSlow(subscriber);
      },
    };
    const remove = (subscriber: Subscriber) => this.remove(subscriber);
    this.#release = function (this: object) {
      const subscriber = subscriberOf(this);
      if (subscriber) remove(subscriber);
    };
  }

  /**
   * Opens a stream on `res`: subscribes to its topics (what arrives meanwhile is
   * held), reads what a resume after `after` needs, and hands back the stream ready
   * to start. Throws a 503 when the bus cannot serve it or the peer left meanwhile;
   * nothing has been written to `res` then.
   */
  async open(res: ServerResponse, { topics, after, log, expiresAt }: OpenRequest): Promise<PendingStream> {
    const { bus } = this.#options;
    if (!bus.isReady()) throw unavailable('message bus unavailable');
    let connection: Connecting | undefined;
    let replay: OpenedReplay | undefined;
    try {
      connection = this.#connect(res, topics);
      await connection.ready;
      if (after !== undefined) replay = await openReplay(bus, topics, after, this.#options.replayPageSize);
    } catch (err) {
      if (connection) this.remove(connection.subscriber);
      if (err instanceof TopicLimitError) {
        this.#options.metrics.limitRefusals.inc({ limit: 'topics' });
        throw unavailable(`this instance already serves its ${err.maxTopics} topics (MAX_TOPICS); retry later or on another instance`);
      }
      log.warn({ err }, 'SSE subscribe or history failed');
      throw unavailable('message bus unavailable');
    }
    const { subscriber } = connection;
    // The peer left, or a drain began, while we waited for the bus.
    if (subscriber.closed) throw unavailable('stream closed before it started');
    return {
      start: (headers, first) => {
        subscriber.stream.open(headers, first);
        const socket = subscriber.stream.socket;
        if (socket !== undefined) this.#adopt(socket, subscriber);
        if (expiresAt !== undefined) {
          // A stream outlives no token: the client resumes with a new one and Last-Event-ID.
          const cancel = atExpiry(expiresAt, () => {
            subscriber.stream.end();
            this.remove(subscriber);
          });
          (socket ?? res).once('close', cancel);
        }
        if (replay === undefined) return this.#goLive(subscriber, NO_FLOORS, '', log);
        void this.#replay(subscriber, replay, after!, log);
      },
    };
  }

  /**
   * Writes the replay page by page, reading the next page only once the socket
   * drained, then what was held meanwhile, and goes live. A bus failure mid-replay
   * ends the stream: the client resumes from the last event it got, still exactly.
   */
  async #replay(subscriber: Subscriber, { pager, first }: OpenedReplay, after: string, log: FastifyBaseLogger): Promise<void> {
    const { metrics } = this.#options;
    let page = first;
    let lastEventId = after;
    let replayed = 0;
    for (;;) {
      const text = pageText(page.events, page.reset, lastEventId, log);
      lastEventId = text.lastEventId;
      if (text.bytes.length > 0 && !subscriber.stream.write(text.bytes)) return;
      if (text.sent > 0) metrics.messagesOut.inc(text.sent);
      replayed += text.sent;
      if (pager.done) break;
      if (!(await subscriber.stream.drained()) || subscriber.closed) return;
      try {
        page = await pager.next();
      } catch (err) {
        log.warn({ err, lastEventId }, 'SSE replay read failed: stream ended, the client resumes from its last event');
        subscriber.stream.end();
        this.remove(subscriber);
        return;
      }
      if (subscriber.closed) return;
    }
    const held = this.#goLive(subscriber, pager.floors, lastEventId, log);
    log.debug({ replayed, held }, 'SSE replay done');
  }

  /**
   * Writes what was held meanwhile (merged across topics, without what the client
   * has) and switches to live delivery. Batches still waiting for this turn's flush
   * land in `held` first, so nothing older follows live. Returns the events written.
   */
  #goLive(subscriber: Subscriber, floors: LiveFloors, lastEventId: string, log: FastifyBaseLogger): number {
    this.flush();
    const held = pageText(freshHeld(floors, subscriber.takeHeld()), [], lastEventId, log);
    if (held.sent > 0) this.#options.metrics.messagesOut.inc(held.sent);
    subscriber.goLive(held.bytes, floors);
    return held.sent;
  }

  /**
   * Registers a connection on its topics. The subscriber holds events until
   * `goLive`; `ready` resolves once every topic's subscription is live.
   */
  #connect(res: ServerResponse, topics: readonly string[]): Connecting {
    const stream = new SseStream(res, this.#streamOptions);
    const subscriber = new Subscriber(stream, topics, this.#options.maxBufferedBytes);
    tag(res, subscriber);
    tag(stream, subscriber);
    res.on('close', this.#release);
    res.on('error', this.#release);

    this.#subscribers.add(subscriber);
    this.#options.metrics.connections.inc();
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs);
    }
    const ready: Promise<void>[] = [];
    try {
      for (const topic of topics) ready.push(this.#join(topic, subscriber));
    } catch (err) {
      this.remove(subscriber);
      throw err;
    }
    return { subscriber, ready: Promise.all(ready).then(() => undefined) };
  }

  /**
   * A stream that took its socket over from node:http: its response's 'close'
   * listeners (this hub's among them) moved to the socket, and the socket's
   * 'error' is the hub's now (node:http's listener went with the parser).
   */
  #adopt(socket: Socket, subscriber: Subscriber): void {
    tag(socket, subscriber);
    socket.on('error', this.#release);
    socket.on('data', hangUp);
    socket.on('end', hangUp);
  }

  /** Releases a subscriber's topics and timers; idempotent. Never touches its response. */
  remove(subscriber: Subscriber): void {
    if (!this.#subscribers.delete(subscriber)) return;
    subscriber.markClosed();
    this.#options.metrics.connections.dec();
    for (const topic of subscriber.topics) {
      const entry = this.#topics.get(topic);
      if (!entry) continue;
      entry.subscribers.delete(subscriber);
      if (entry.subscribers.size === 0) {
        this.#topics.delete(topic);
        entry.subscription?.unsubscribe();
      }
    }
    if (this.#subscribers.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  /** Writes everything pending now (a starting stream calls it right before going live). */
  flush(): void {
    this.#pacer.run();
  }

  /**
   * A stream of one topic gets that topic's shared Buffer; a stream of several gets
   * its topics' batches merged in id order, built once per combination of topics.
   */
  #write(): boolean {
    if (this.#dirty.length === 0) return false;
    const dirty = this.#dirty;
    this.#dirty = [];
    let written = 0;
    const several = new Map<Subscriber, number[]>();
    const batches = dirty.map((entry, index) => {
      const batch = makeBatch(entry.events, entry.frames);
      entry.events = [];
      entry.frames = [];
      for (const subscriber of entry.subscribers) {
        if (subscriber.topics.length === 1) {
          if (subscriber.deliver(batch)) written += batch.events.length;
          continue;
        }
        const indexes = several.get(subscriber);
        if (indexes) indexes.push(index);
        else several.set(subscriber, [index]);
      }
      return batch;
    });
    const merged = new Map<string, Batch>();
    for (const [subscriber, indexes] of several) {
      let batch = indexes.length === 1 ? batches[indexes[0]!]! : undefined;
      if (!batch) {
        const key = indexes.join(',');
        batch = merged.get(key);
        if (!batch) {
          batch = mergeBatches(indexes.map((i) => batches[i]!));
          merged.set(key, batch);
        }
      }
      if (subscriber.deliver(batch)) written += batch.events.length;
    }
    if (written === 0) return true;
    const { metrics } = this.#options;
    metrics.messagesOut.inc(written);
    const now = Date.now();
    for (const batch of batches) {
      for (const event of batch.events) metrics.deliverLatency.observe(Math.max(0, now - event.ts) / 1000);
    }
    return true;
  }

  /** Drain: ends every open stream (clients resume elsewhere with Last-Event-ID). */
  endAll(): void {
    this.flush();
    for (const subscriber of [...this.#subscribers]) {
      // A stream still being opened has no response head yet: `open` answers it 503.
      if (subscriber.stream.opened) subscriber.stream.end();
      this.remove(subscriber);
    }
  }

  stats(): StreamHubStats {
    let listeners = 0;
    for (const entry of this.#topics.values()) listeners += entry.subscribers.size;
    return {
      streams: this.#subscribers.size,
      topics: this.#topics.size,
      listeners,
      heartbeat: this.#heartbeat !== undefined,
      time: this.#options.ticker.running,
    };
  }

  #join(topic: string, subscriber: Subscriber): Promise<void> {
    let entry = this.#topics.get(topic);
    if (!entry) {
      const created: TopicEntry = { subscribers: new Set(), events: [], frames: [] };
      const source = topic === TIME_TOPIC ? this.#options.ticker : this.#options.bus;
      created.subscription = source.subscribe(topic, (event) => this.#onEvent(created, event));
      this.#topics.set(topic, created);
      entry = created;
    }
    entry.subscribers.add(subscriber);
    return entry.subscription!.ready;
  }

  #onEvent(entry: TopicEntry, event: BusEvent): void {
    let frame: string;
    try {
      frame = encodeBusEvent(event);
    } catch (err) {
      // Only a publisher that skipped validation (another service on the same Redis) gets here.
      this.#options.log.warn({ err, topic: event.topic, id: event.id }, 'unencodable event skipped');
      this.#options.metrics.dropped.inc();
      return;
    }
    if (entry.events.length === 0) this.#dirty.push(entry);
    entry.events.push(event);
    entry.frames.push(frame);
    // At the earliest in setImmediate, not nextTick: publishes that arrive in the same
    // poll phase (many POST /publish or Redis replies read together) share one write.
    this.#pacer.schedule();
  }

  #beat(): void {
    for (const subscriber of this.#subscribers) subscriber.heartbeat(HEARTBEAT_BYTES, HEARTBEAT_CHUNKED);
  }

  #onSlow(subscriber: Subscriber): void {
    this.#options.metrics.slowConsumersClosed.inc();
    this.#options.metrics.dropped.inc();
    this.#options.log.debug({ topics: subscriber.topics }, 'slow SSE consumer cut off');
    this.remove(subscriber);
  }
}
