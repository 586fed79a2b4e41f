import { RESET_EVENT } from '@herald/protocol';
import { Backoff } from './backoff.js';
import { readReconnectOptions, type ConnectionState, type ReconnectOptions } from './connection-state.js';
import {
  ES_CLOSED,
  globalEventSource,
  type EventSourceConstructor,
  type EventSourceLike,
  type SourceMessageEvent,
} from './platform.js';
import { streamUrl } from './resume.js';

/** One event from the stream. */
export interface StreamEvent {
  /** The bus id; empty ids are reported as undefined. */
  id: string | undefined;
  /**
   * The topic, when the subscription has exactly one. The wire format does not name
   * the topic of an event, so with several topics it is undefined.
   */
  topic: string | undefined;
  /** The SSE event name: `message` unless the publisher named it. */
  event: string;
  /** The data, parsed as JSON; the raw text when it is not JSON. */
  data: unknown;
}

export interface StreamHandlers {
  event?(event: StreamEvent): void;
  /** History no longer reached the resume point: events in between were missed. */
  reset?(event: StreamEvent): void;
  state?(state: ConnectionState): void;
  /** The token function failed; the subscription retries after a backoff delay. */
  error?(error: Error): void;
}

export interface SubscribeOptions extends ReconnectOptions {
  /** Defaults to the global EventSource. */
  EventSource?: EventSourceConstructor;
  /** Named events (`event:` field) to receive besides unnamed ones. */
  events?: readonly string[];
  /** Start after this id (the first connect sends it as ?lastEventId=). */
  lastEventId?: string;
  /**
   * JWT for topics that are not public, sent as `?token=`. A function is asked again
   * before every new EventSource; with one, a dropped stream (the service ends it at
   * the token's `exp`) is reopened by this client with a fresh token and
   * `?lastEventId=`, not by EventSource's own retry, which would resend the old token.
   */
  token?: string | (() => string | Promise<string>);
  /** Send cookies cross-origin (a token in the service's AUTH_COOKIE): EventSource's withCredentials. */
  withCredentials?: boolean;
}

/**
 * Subscribes to topics of the event stream (`url` is its origin or its /sse URL).
 * EventSource resumes by itself (Last-Event-ID) after a dropped stream; when it
 * gives up (readyState CLOSED: an HTTP error, a wrong content type) a new one is
 * opened after a backoff delay, resuming with ?lastEventId=. Returns unsubscribe.
 */
export function subscribe(
  url: string,
  topics: readonly string[],
  handlers: StreamHandlers,
  options: SubscribeOptions = {},
): () => void {
  const EventSourceImpl = options.EventSource ?? globalEventSource();
  const reconnect = readReconnectOptions(options);
  const backoff = new Backoff(reconnect.backoff, reconnect.random);
  const names = ['message', ...(options.events ?? []).filter((n) => n !== 'message' && n !== RESET_EVENT)];
  streamUrl(url, topics); // throws now on a bad URL rather than inside a timer
  let lastId = options.lastEventId;
  let source: EventSourceLike | null = null;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;

  const tokenFn = typeof options.token === 'function' ? options.token : undefined;
  const fixedToken = typeof options.token === 'string' ? options.token : undefined;
  const init = options.withCredentials ? { withCredentials: true } : undefined;

  const setState = (state: ConnectionState) => handlers.state?.(state);

  const toEvent = (e: SourceMessageEvent): StreamEvent => {
    if (e.lastEventId) lastId = e.lastEventId;
    let data: unknown = e.data;
    try {
      data = JSON.parse(e.data);
    } catch {
      // Not JSON: handed over as text.
    }
    return { id: e.lastEventId || undefined, topic: topics.length === 1 ? topics[0] : undefined, event: e.type, data };
  };

  const retryLater = () => {
    const attempt = backoff.attempt + 1;
    const delayMs = backoff.next();
    setState({ state: 'reconnecting', attempt, delayMs, at: Date.now() + delayMs });
    retryTimer = setTimeout(() => {
      if (!stopped) open();
    }, delayMs);
  };

  const open = () => {
    setState({ state: 'connecting', attempt: backoff.attempt });
    if (tokenFn === undefined) return openWith(fixedToken);
    Promise.resolve()
      .then(tokenFn)
      .then(
        (token) => {
          if (!stopped && source === null) openWith(token);
        },
        (err: unknown) => {
          if (stopped) return;
          handlers.error?.(new Error(`the token function failed: ${String(err)}`));
          retryLater();
        },
      );
  };

  const openWith = (token: string | undefined) => {
    const target = streamUrl(url, topics, lastId, token);
    const es = init ? new EventSourceImpl(target, init) : new EventSourceImpl(target);
    source = es;
    es.onopen = () => {
      if (es !== source) return;
      setState({ state: 'open' });
      clearTimeout(stableTimer);
      stableTimer = setTimeout(() => backoff.reset(), reconnect.stableAfterMs);
    };
    es.onerror = () => {
      if (es !== source) return;
      clearTimeout(stableTimer);
      if (es.readyState !== ES_CLOSED && tokenFn === undefined) {
        // EventSource retries by itself, sending Last-Event-ID.
        setState({ state: 'reconnecting', attempt: backoff.attempt + 1 });
        return;
      }
      es.close();
      source = null;
      retryLater();
    };
    for (const name of names) {
      es.addEventListener(name, (e: SourceMessageEvent) => {
        // toEvent records the id even when no handler listens (`?.()` would skip it).
        if (es !== source) return;
        const event = toEvent(e);
        handlers.event?.(event);
      });
    }
    es.addEventListener(RESET_EVENT, (e: SourceMessageEvent) => {
      if (es !== source) return;
      const event = toEvent(e);
      handlers.reset?.(event);
    });
  };

  open();
  return () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(retryTimer);
    clearTimeout(stableTimer);
    source?.close();
    source = null;
    setState({ state: 'closed' });
  };
}
