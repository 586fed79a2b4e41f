/** The options and events of ChatClient (its public surface, apart from methods). */
import type { ChatMessage, PresenceMessage, User, WelcomeMessage } from '@herald/protocol';
import type { ConnectionState, ReconnectOptions } from './connection-state.js';
import type { ClientError } from './errors.js';
import type { WebSocketConstructor } from './platform.js';

export interface ChatClientOptions extends ReconnectOptions {
  /** The gateway's chat endpoint, e.g. ws://localhost:8080/ws. */
  url: string;
  /** Display name, when the gateway runs without AUTH_SECRET. */
  name?: string;
  /**
   * JWT, when the gateway runs with auth on. A function is asked again before every
   * (re)connect, so a connection closed at the token's `exp` (4401) comes back with
   * a fresh one and rejoins with `since`, losing nothing.
   */
  token?: string | (() => string | Promise<string>);
  /** How long send/join/leave wait for their reply. Default 10 s. */
  ackTimeoutMs?: number;
  /**
   * Tries per `send`, the first included (default 4; 1 turns retries off). A send
   * refused with `unavailable` (Redis failing over, or REDIS_WAIT_REPLICAS not
   * confirmed) is sent again after a backoff delay with the same ref; after the
   * last try it rejects with that ClientError. The gateway has no idempotency key:
   * a retried message can be stored twice, each copy with its own id.
   */
  sendAttempts?: number;
  /**
   * Also resend a send whose connection dropped before its ack, once reconnected
   * (default false: it rejects with `closed`). It may have been stored already.
   */
  resendAfterDrop?: boolean;
  /** Defaults to the global WebSocket (browsers, Node 22+); pass `ws` in Node 20. */
  WebSocket?: WebSocketConstructor;
}

export interface ChatEvents {
  /** Each chat message once, in order per room: live ones and replayed history. */
  message: ChatMessage;
  presence: PresenceMessage;
  /** The current member list of a room, after every change. */
  members: { room: string; members: User[] };
  state: ConnectionState;
  /** Errors no request is waiting for (a request's own error rejects its promise). */
  error: ClientError;
  /** A rejoin could not replay everything since `since`: some messages were missed. */
  missed: { room: string; since: string | undefined };
  welcome: WelcomeMessage;
  /** The gateway left a room for us: the refreshed token no longer allows it. */
  left: { room: string; reason: string };
}
