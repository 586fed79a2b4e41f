/**
 * @herald/pusher: the transport-independent core of Pusher Channels protocol 7. Pure:
 * no sockets, no timers, no Redis (node:crypto only). The gateway's `/app/{key}`
 * transport and HTTP API translate through it into Herald's rooms, topics and presence.
 */
export * from './api-signing.js';
export * from './apps.js';
export * from './auth.js';
export * from './channels.js';
export * from './client-frames.js';
export * from './codes.js';
export * from './connect.js';
export * from './presence.js';
export * as serverFrames from './server-frames.js';
export { eventData, type ChannelEvent } from './server-frames.js';
export * from './sign.js';
export * from './socket-id.js';
export * from './topics.js';
export * from './webhooks.js';
