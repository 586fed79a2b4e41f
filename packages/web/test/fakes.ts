import type { EventSourceLike, SourceMessageEvent, WebSocketLike } from '../src/lib/platform.js';

/**
 * Scriptable stand-ins for WebSocket and EventSource: every instance is recorded,
 * and the test plays the server's part.
 */
export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  readonly sent: unknown[] = [];
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: never) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  static last(): FakeSocket {
    const socket = FakeSocket.instances[FakeSocket.instances.length - 1];
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.readyState = 3;
  }

  /** Server side: accept the connection and greet. */
  accept(user = { id: 'u1', name: 'alice' }): void {
    this.readyState = 1;
    (this.onopen as ((e: object) => void) | null)?.({});
    this.receive({ type: 'welcome', connectionId: 'c1', user });
  }

  receive(message: unknown): void {
    const data = typeof message === 'string' ? message : JSON.stringify(message);
    (this.onmessage as ((e: { data: string }) => void) | null)?.({ data });
  }

  drop(code = 1006): void {
    this.readyState = 3;
    (this.onerror as ((e: object) => void) | null)?.({});
    (this.onclose as ((e: { code: number; reason: string }) => void) | null)?.({ code, reason: '' });
  }

  sentOfType(type: string): Array<Record<string, unknown>> {
    return (this.sent as Array<Record<string, unknown>>).filter((m) => m.type === type);
  }
}

export class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  onopen: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;
  readonly listeners = new Map<string, Array<(event: SourceMessageEvent) => void>>();

  constructor(
    readonly url: string,
    readonly init?: { withCredentials?: boolean },
  ) {
    FakeEventSource.instances.push(this);
  }

  static last(): FakeEventSource {
    const source = FakeEventSource.instances[FakeEventSource.instances.length - 1];
    if (!source) throw new Error('no EventSource was opened');
    return source;
  }

  addEventListener(type: string, listener: (event: SourceMessageEvent) => void): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  open(): void {
    this.readyState = 1;
    (this.onopen as ((e: object) => void) | null)?.({});
  }

  dispatch(type: string, data: string, lastEventId = ''): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, data, lastEventId });
  }

  /** `fatal`: the EventSource gives up (readyState CLOSED); otherwise it retries itself. */
  fail(fatal: boolean): void {
    this.readyState = fatal ? 2 : 0;
    (this.onerror as ((e: object) => void) | null)?.({});
  }
}
