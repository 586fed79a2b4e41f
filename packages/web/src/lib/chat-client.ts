import type { ClientMessage, JoinedMessage, PresenceMessage, ServerMessage, User, WelcomeMessage } from '@herald/protocol';
import { isRoomName, NAME_RULES } from '@herald/protocol';
import { Backoff } from './backoff.js';
import type { ChatClientOptions, ChatEvents } from './chat-options.js';
import { readReconnectOptions, type ConnectionState } from './connection-state.js';
import { Emitter } from './emitter.js';
import { ClientError } from './errors.js';
import { RoomMembers } from './members.js';
import { PendingReplies } from './pending.js';
import {
  WS_OPEN,
  globalWebSocket,
  type SocketCloseEvent,
  type SocketMessageEvent,
  type WebSocketConstructor,
  type WebSocketLike,
} from './platform.js';
import { ChatResume } from './resume.js';

export type { ChatClientOptions, ChatEvents } from './chat-options.js';

interface PendingRefresh {
  resolve: (exp: number) => void;
  reject: (err: ClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Error codes a refresh is answered with when it is refused. */
const REFRESH_ERRORS = new Set(['unauthorized', 'forbidden', 'token_expired', 'bad_request']);
const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * Chat over the gateway's `/ws`: rooms, messages and presence, reconnecting with
 * backoff and resuming every room exactly where it left off (`join` with `since`).
 */
export class ChatClient extends Emitter<ChatEvents> {
  readonly #url: string;
  readonly #ackTimeoutMs: number;
  readonly #WebSocket: WebSocketConstructor;
  readonly #backoff: Backoff;
  readonly #stableAfterMs: number;
  readonly #resume = new ChatResume();
  readonly #members = new Map<string, RoomMembers>();
  readonly #acks = new PendingReplies<string>();
  readonly #joins = new PendingReplies<JoinedMessage>();
  readonly #leaves = new PendingReplies<void>();
  #socket: WebSocketLike | null = null;
  #state: ConnectionState = { state: 'closed' };
  #user: User | undefined;
  #wanted = false;
  #refs = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #token: (() => string | Promise<string>) | undefined;
  #refresh: PendingRefresh | undefined;

  constructor(options: ChatClientOptions) {
    super();
    const url = new URL(options.url);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError('url must start with ws:// or wss://');
    if (options.name !== undefined) url.searchParams.set('name', options.name);
    if (typeof options.token === 'string') url.searchParams.set('token', options.token);
    this.#url = url.toString();
    this.#token = typeof options.token === 'function' ? options.token : undefined;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    if (!(Number.isFinite(this.#ackTimeoutMs) && this.#ackTimeoutMs > 0)) throw new RangeError('ackTimeoutMs must be > 0');
    const reconnect = readReconnectOptions(options);
    this.#backoff = new Backoff(reconnect.backoff, reconnect.random);
    this.#stableAfterMs = reconnect.stableAfterMs;
    this.#WebSocket = options.WebSocket ?? globalWebSocket();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Who the gateway says we are (set by `welcome`). */
  get user(): User | undefined {
    return this.#user;
  }

  rooms(): string[] {
    return this.#resume.rooms();
  }

  members(room: string): User[] {
    return this.#members.get(room)?.list() ?? [];
  }

  /** Starts connecting (and reconnecting whenever the connection drops) until close(). */
  connect(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    this.#backoff.reset();
    this.#open();
  }

  /** Skips the rest of the backoff delay (a "retry now" button). */
  reconnectNow(): void {
    if (!this.#wanted || this.#state.state !== 'reconnecting') return;
    clearTimeout(this.#retryTimer);
    this.#open();
  }

  /**
   * Hands the gateway a new token for the same user before the current one expires;
   * resolves with the new `exp` (ms). Rooms the new token does not allow are left
   * by the gateway (`left` event). A token function given as `token` is still used
   * for reconnects.
   */
  refresh(token: string): Promise<number> {
    if (this.#state.state !== 'open') return Promise.reject(new ClientError('closed', 'not connected'));
    if (this.#refresh !== undefined) return Promise.reject(new ClientError('bad_request', 'a refresh is already in flight'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#settleRefresh((r) => r.reject(new ClientError('timeout', 'no reply to refresh'))), this.#ackTimeoutMs);
      this.#refresh = { resolve, reject, timer };
      this.#write({ type: 'refresh', token });
    });
  }

  close(): void {
    this.#wanted = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#stableTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(1000);
    }
    const closed = new ClientError('closed', 'the client was closed');
    this.#acks.rejectAll(closed);
    this.#joins.rejectAll(closed);
    this.#leaves.rejectAll(closed);
    this.#setState({ state: 'closed' });
  }

  /**
   * Enters `room` now and after every reconnect, until leave(). Resolves with the
   * gateway's `joined` reply (its history is delivered as `message` events first).
   */
  join(room: string): Promise<JoinedMessage> {
    if (!isRoomName(room)) {
      return Promise.reject(new ClientError('bad_request', `a room is ${NAME_RULES.room}`));
    }
    this.#resume.want(room);
    const reply = this.#joins.wait(room, this.#ackTimeoutMs, `join ${room}`);
    if (this.#isOpen()) this.#write(this.#resume.joinFrame(room, false));
    return reply;
  }

  leave(room: string): Promise<void> {
    this.#resume.unwant(room);
    this.#members.delete(room);
    this.#joins.reject(room, new ClientError('superseded', `join ${room}: left before joining`));
    if (!this.#isOpen()) return Promise.resolve();
    const reply = this.#leaves.wait(room, this.#ackTimeoutMs, `leave ${room}`);
    this.#write({ type: 'leave', room });
    return reply;
  }

  /** Resolves with the message id from the gateway's `ack`. */
  send(room: string, text: string): Promise<string> {
    if (!this.#isOpen()) return Promise.reject(new ClientError('not_connected', 'not connected to the chat gateway'));
    const ref = `r${++this.#refs}`;
    const ack = this.#acks.wait(ref, this.#ackTimeoutMs, 'send');
    this.#write({ type: 'send', room, text, ref });
    return ack;
  }

  #isOpen(): boolean {
    return this.#state.state === 'open' && this.#socket?.readyState === WS_OPEN;
  }

  #write(message: ClientMessage): void {
    this.#socket?.send(JSON.stringify(message));
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.emit('state', state);
  }

  #open(): void {
    this.#setState({ state: 'connecting', attempt: this.#backoff.attempt });
    if (this.#token === undefined) return this.#openAt(this.#url);
    const attempt = this.#backoff.attempt;
    Promise.resolve()
      .then(() => this.#token!())
      .then(
        (token) => {
          // close() or another attempt came first.
          if (!this.#wanted || this.#socket !== null || this.#backoff.attempt !== attempt) return;
          const url = new URL(this.#url);
          url.searchParams.set('token', token);
          this.#openAt(url.toString());
        },
        (err: unknown) => {
          if (!this.#wanted) return;
          this.emit('error', new ClientError('unauthorized', `the token function failed: ${String(err)}`));
          this.#scheduleReconnect();
        },
      );
  }

  #openAt(url: string): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(url);
    } catch (err) {
      this.emit('error', new ClientError('closed', `cannot open ${this.#url}: ${String(err)}`));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onmessage = (event: SocketMessageEvent) => {
      if (socket === this.#socket) this.#receive(event.data);
    };
    socket.onclose = (_event: SocketCloseEvent) => {
      if (socket === this.#socket) this.#dropped();
    };
    // A failed connection also fires `close`, which does the work.
    socket.onerror = () => {};
  }

  #settleRefresh(settle: (pending: PendingRefresh) => void): void {
    const pending = this.#refresh;
    if (pending === undefined) return;
    this.#refresh = undefined;
    clearTimeout(pending.timer);
    settle(pending);
  }

  #forgetRoom(room: string, reason: string): void {
    this.#resume.unwant(room);
    this.#members.delete(room);
    this.emit('left', { room, reason });
  }

  #dropped(): void {
    this.#socket = null;
    this.#settleRefresh((r) => r.reject(new ClientError('closed', 'the connection closed before the refresh reply')));
    clearTimeout(this.#stableTimer);
    this.#acks.rejectAll(new ClientError('closed', 'the connection closed before the ack'));
    // The gateway drops every membership of a closed connection: a pending leave is done.
    this.#leaves.resolveAll(undefined);
    if (this.#wanted) this.#scheduleReconnect();
    else this.#setState({ state: 'closed' });
  }

  #scheduleReconnect(): void {
    const attempt = this.#backoff.attempt + 1;
    const delayMs = this.#backoff.next();
    this.#setState({ state: 'reconnecting', attempt, delayMs, at: Date.now() + delayMs });
    this.#retryTimer = setTimeout(() => {
      if (this.#wanted) this.#open();
    }, delayMs);
  }

  #receive(data: unknown): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(data)) as ServerMessage;
    } catch {
      this.emit('error', new ClientError('protocol', 'the gateway sent a frame that is not JSON'));
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'welcome':
        return this.#welcome(message);
      case 'joined':
        return this.#joined(message);
      case 'left':
        if (message.reason !== undefined && !this.#leaves.has(message.room)) this.#forgetRoom(message.room, message.reason);
        this.#leaves.resolve(message.room, undefined);
        return;
      case 'refreshed':
        this.#settleRefresh((r) => r.resolve(message.exp));
        return;
      case 'presence':
        return this.#presence(message);
      case 'message':
        if (this.#resume.wants(message.room) && this.#resume.accept(message.room, message.id)) {
          this.emit('message', message);
        }
        return;
      case 'ack':
        this.#acks.resolve(message.ref, message.id);
        return;
      case 'error': {
        const error = new ClientError(message.code, message.message, message.ref);
        if (message.ref === undefined && this.#refresh !== undefined && REFRESH_ERRORS.has(message.code)) {
          this.#settleRefresh((r) => r.reject(error));
          return;
        }
        if (message.ref === undefined || !this.#acks.reject(message.ref, error)) this.emit('error', error);
        return;
      }
      // Unknown types come from a newer gateway: ignored, not an error.
    }
  }

  #welcome(message: WelcomeMessage): void {
    this.#user = message.user;
    this.#setState({ state: 'open' });
    this.emit('welcome', message);
    this.#stableTimer = setTimeout(() => this.#backoff.reset(), this.#stableAfterMs);
    // A reconnect rejoins every room from its last delivered message.
    for (const room of this.#resume.rooms()) this.#write(this.#resume.joinFrame(room, true));
  }

  #joined(message: JoinedMessage): void {
    const { room } = message;
    if (!this.#resume.wants(room)) {
      // Left (or never asked) while the join was in flight: do not stay a member.
      this.#write({ type: 'leave', room });
      return;
    }
    const since = this.#resume.lastId(room);
    if (!message.recovered) this.emit('missed', { room, since });
    for (const m of message.history) {
      if (this.#resume.accept(room, m.id)) this.emit('message', m);
    }
    let members = this.#members.get(room);
    if (!members) {
      members = new RoomMembers();
      this.#members.set(room, members);
    }
    members.reset(message.members);
    this.emit('members', { room, members: members.list() });
    this.#joins.resolve(room, message);
  }

  #presence(message: PresenceMessage): void {
    const members = this.#members.get(message.room);
    if (!members) return;
    if (message.event === 'join') members.add(message.user);
    else members.remove(message.user);
    this.emit('presence', message);
    this.emit('members', { room: message.room, members: members.list() });
  }
}
