/**
 * The slices of WebSocket and EventSource the clients use, so that Node tests can
 * pass the `ws` package or a fake. The `on*` handler parameters are `never` on
 * purpose: any implementation's own event type is then accepted (DOM, ws), and the
 * clients read events through the narrow shapes below.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  addEventListener(type: string, listener: (event: SourceMessageEvent) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

/** What the clients read from a WebSocket `message` and `close` event. */
export interface SocketMessageEvent {
  data: unknown;
}
export interface SocketCloseEvent {
  code: number;
  reason: string;
}
/** What the clients read from an EventSource event. */
export interface SourceMessageEvent {
  type: string;
  data: string;
  lastEventId: string;
}

export const WS_OPEN = 1;
export const ES_CLOSED = 2;

export function globalWebSocket(): WebSocketConstructor {
  const ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) throw new TypeError('no WebSocket in this environment: pass the `WebSocket` option (e.g. the ws package)');
  return ctor;
}

export function globalEventSource(): EventSourceConstructor {
  const ctor = (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
  if (!ctor) throw new TypeError('no EventSource in this environment: pass the `EventSource` option');
  return ctor;
}
