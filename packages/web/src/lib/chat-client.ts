import type {
  ChatMessage,
  ClientMessage,
  HistoryMessage,
  JoinedMessage,
  PresenceMessage,
  User,
  WelcomeMessage,
} from '@herald/protocol';
import { compareIds, HISTORY_LIMIT_DEFAULT, isRoomName, NAME_RULES } from '@herald/protocol';
import { Backoff } from './backoff.js';
import { CatchUpPager } from './catch-up-pager.js';
import type { ChatClientOptions, ChatEvents } from './chat-options.js';
import { readReconnectOptions, type ConnectionState } from './connection-state.js';
import { Emitter } from './emitter.js';
import { ClientError } from './errors.js';
import { Rosters } from './members.js';
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
import { receiveFrame, type FrameHandlers } from './chat-frames.js';
import { RefreshReply } from './chat-refresh.js';
import { ChatSends, DEFAULT_SEND_ATTEMPTS } from './chat-sends.js';

export type { ChatClientOptions, ChatEvents } from './chat-options.js';

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/** A page of older messages (`loadOlder`), in id order; `more`: older ones still exist. */
export interface OlderMessages {
  messages: ChatMessage[];
  more: boolean;
}

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
  readonly #members = new Rosters();
  readonly #sends: ChatSends;
  readonly #joins = new PendingReplies<JoinedMessage>();
  readonly #leaves = new PendingReplies<void>();
  readonly #older = new PendingReplies<HistoryMessage>();
  readonly #catchUp: CatchUpPager;
  /** Rooms whose last join frame carried `since` (only those page forward when cut). */
  readonly #sinceSent = new Set<string>();
  /** Per room, the oldest message delivered: where `loadOlder` pages back from. */
  readonly #oldest = new Map<string, string>();
  #socket: WebSocketLike | null = null;
  #state: ConnectionState = { state: 'closed' };
  #user: User | undefined;
  #wanted = false;
  #refs = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #token: (() => string | Promise<string>) | undefined;
  readonly #refresh = new RefreshReply();

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
    const attempts = options.sendAttempts ?? DEFAULT_SEND_ATTEMPTS;
    if (!(Number.isInteger(attempts) && attempts >= 1)) throw new RangeError('sendAttempts must be an integer >= 1');
    const retry = { attempts, afterDrop: options.resendAfterDrop ?? false, ackTimeoutMs: this.#ackTimeoutMs, backoff: reconnect.backoff, random: reconnect.random };
    this.#catchUp = new CatchUpPager({
      ackTimeoutMs: this.#ackTimeoutMs,
      lastId: (room) => this.#resume.lastId(room),
      nextRef: () => `h${++this.#refs}`,
      write: (frame) => this.#write(frame),
      deliver: (m) => this.#deliver(m),
      missed: (room) => this.emit('missed', { room, since: this.#resume.lastId(room) }),
      done: (room, joined) => void this.#joins.resolve(room, joined),
      failed: (room, error) => {
        if (!this.#joins.reject(room, error)) this.emit('error', error);
      },
    });
    this.#sends = new ChatSends(retry, { isOpen: () => this.#isOpen(), write: (frame) => this.#write(frame) });
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
    return this.#members.list(room);
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
    return this.#refresh.wait(this.#ackTimeoutMs, () => this.#write({ type: 'refresh', token }));
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
    this.#sends.rejectAll(closed);
    this.#joins.rejectAll(closed);
    this.#leaves.rejectAll(closed);
    this.#older.rejectAll(closed);
    this.#catchUp.clear();
    this.#setState({ state: 'closed' });
  }

  /**
   * Enters `room` now and after every reconnect, until leave(). Resolves with the
   * gateway's `joined` reply (its history is delivered as `message` events first).
   * A rejoin whose `joined` was cut (`more:true`) pages the rest with `history after`
   * before any live message of the room is delivered, so nothing is skipped.
   */
  join(room: string): Promise<JoinedMessage> {
    if (!isRoomName(room)) {
      return Promise.reject(new ClientError('bad_request', `a room is ${NAME_RULES.room}`));
    }
    this.#resume.want(room);
    const reply = this.#joins.wait(room, this.#ackTimeoutMs, `join ${room}`);
    if (this.#isOpen()) this.#sendJoin(room, false);
    return reply;
  }

  /**
   * The page of messages older than the oldest one delivered in `room` (at most
   * `limit`, and what the gateway's MAX_JOIN_HISTORY_BYTES allows), in id order. They
   * are not `message` events: they belong before everything shown so far.
   */
  loadOlder(room: string, limit = HISTORY_LIMIT_DEFAULT): Promise<OlderMessages> {
    if (!this.#isOpen()) return Promise.reject(new ClientError('not_connected', 'not connected to the chat gateway'));
    if (!this.#resume.wants(room)) return Promise.reject(new ClientError('not_joined', `join ${room} before loading its history`));
    const before = this.#oldest.get(room);
    if (before === undefined) return Promise.resolve({ messages: [], more: false });
    const ref = `o${++this.#refs}`;
    const reply = this.#older.wait(ref, this.#ackTimeoutMs, `history ${room}`);
    this.#write({ type: 'history', room, before, limit, ref });
    return reply.then((page) => {
      const first = page.messages[0];
      const oldest = this.#oldest.get(room);
      if (first !== undefined && (oldest === undefined || compareIds(first.id, oldest) < 0)) this.#oldest.set(room, first.id);
      return { messages: page.messages, more: page.more };
    });
  }

  leave(room: string): Promise<void> {
    this.#resume.unwant(room);
    this.#members.delete(room);
    this.#catchUp.drop(room);
    this.#joins.reject(room, new ClientError('superseded', `join ${room}: left before joining`));
    if (!this.#isOpen()) return Promise.resolve();
    const reply = this.#leaves.wait(room, this.#ackTimeoutMs, `leave ${room}`);
    this.#write({ type: 'leave', room });
    return reply;
  }

  /**
   * Resolves with the message id from the gateway's `ack`. A send refused with
   * `unavailable` is tried again (sendAttempts, resendAfterDrop: see chat-sends.ts).
   */
  send(room: string, text: string): Promise<string> {
    if (!this.#isOpen()) return Promise.reject(new ClientError('not_connected', 'not connected to the chat gateway'));
    return this.#sends.send(room, text, `r${++this.#refs}`);
  }

  #isOpen(): boolean {
    return this.#state.state === 'open' && this.#socket?.readyState === WS_OPEN;
  }

  #write(message: ClientMessage): void {
    this.#socket?.send(JSON.stringify(message));
  }

  #sendJoin(room: string, rejoin: boolean): void {
    const frame = this.#resume.joinFrame(room, rejoin);
    if (frame.since === undefined) this.#sinceSent.delete(room);
    else this.#sinceSent.add(room);
    this.#write(frame);
  }

  /** Delivers a message of `room` unless it was delivered before. */
  #deliver(message: ChatMessage): void {
    const { room, id } = message;
    if (!this.#resume.accept(room, id)) return;
    const oldest = this.#oldest.get(room);
    if (oldest === undefined || compareIds(id, oldest) < 0) this.#oldest.set(room, id);
    this.emit('message', message);
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
      if (socket === this.#socket) receiveFrame(event.data, this.#on);
    };
    socket.onclose = (_event: SocketCloseEvent) => {
      if (socket === this.#socket) this.#dropped();
    };
    // A failed connection also fires `close`, which does the work.
    socket.onerror = () => {};
  }

  #forgetRoom(room: string, reason: string): void {
    this.#resume.unwant(room);
    this.#members.delete(room);
    this.#catchUp.drop(room);
    this.emit('left', { room, reason });
  }

  #dropped(): void {
    this.#socket = null;
    this.#refresh.reject(new ClientError('closed', 'the connection closed before the refresh reply'));
    clearTimeout(this.#stableTimer);
    this.#sends.dropped();
    this.#older.rejectAll(new ClientError('closed', 'the connection closed before the history reply'));
    // Held live messages are dropped with it: the rejoin's `since` is the last paged id.
    this.#catchUp.clear();
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

  /** What each frame of the gateway does here (chat-frames.ts reads them). */
  readonly #on: FrameHandlers = {
    welcome: (m) => this.#welcome(m),
    joined: (m) => this.#joined(m),
    left: (m) => {
      if (m.reason !== undefined && !this.#leaves.has(m.room)) this.#forgetRoom(m.room, m.reason);
      this.#leaves.resolve(m.room, undefined);
    },
    refreshed: (m) => this.#refresh.resolve(m.exp),
    presence: (m) => this.#presence(m),
    message: (m) => {
      if (this.#resume.wants(m.room) && !this.#catchUp.hold(m)) this.#deliver(m);
    },
    history: (m) => {
      const room = m.ref === undefined ? undefined : this.#catchUp.roomOf(m.ref);
      if (room !== undefined) this.#catchUp.paged(room, m);
      else if (m.ref !== undefined) this.#older.resolve(m.ref, m);
    },
    ack: (m) => void this.#sends.ack(m.ref, m.id),
    error: (error) => this.#refused(error),
    garbage: (error) => this.emit('error', error),
  };

  /** An `error` frame: it fails the request its ref names, or is reported as `error`. */
  #refused(error: ClientError): void {
    const ref = error.ref;
    if (this.#refresh.refused(error)) return;
    const paging = ref === undefined ? undefined : this.#catchUp.roomOf(ref);
    if (paging !== undefined) return this.#catchUp.refused(paging, error);
    if (ref !== undefined && (this.#sends.refused(ref, error) || this.#older.reject(ref, error))) return;
    this.emit('error', error);
  }

  #welcome(message: WelcomeMessage): void {
    this.#user = message.user;
    this.#setState({ state: 'open' });
    this.emit('welcome', message);
    this.#stableTimer = setTimeout(() => this.#backoff.reset(), this.#stableAfterMs);
    // A reconnect rejoins every room from its last delivered message.
    for (const room of this.#resume.rooms()) this.#sendJoin(room, true);
    // After the rejoins: the gateway runs a connection's frames in order, so a resent send finds its room joined.
    this.#sends.opened();
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
    for (const m of message.history) this.#deliver(m);
    this.emit('members', { room, members: this.#members.reset(room, message.members) });
    if (message.more && this.#sinceSent.has(room)) {
      this.#catchUp.start(message);
      return;
    }
    this.#joins.resolve(room, message);
  }

  #presence(message: PresenceMessage): void {
    const members = this.#members.apply(message);
    if (!members) return;
    this.emit('presence', message);
    this.emit('members', { room: message.room, members });
  }
}
