export { ChatClient, type ChatClientOptions, type ChatEvents, type OlderMessages } from './chat-client.js';
export { subscribe, type StreamEvent, type StreamHandlers, type SubscribeOptions } from './subscribe.js';
export type { ConnectionState, ConnectionStateName, ReconnectOptions } from './connection-state.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export { Backoff, backoffCeiling, backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { RecentIds } from './dedupe.js';
export { streamUrl } from './resume.js';
export type { EventSourceConstructor, EventSourceLike, WebSocketConstructor, WebSocketLike } from './platform.js';
export type { ChatMessage, HistoryMessage, JoinedMessage, PresenceMessage, User, WelcomeMessage } from '@herald/protocol';
