import {
  channelInfo,
  decodeClientFrame,
  eventData,
  parseChannelData,
  PusherCode,
  serverFrames,
  serverToUserId,
  verifyChannelAuth,
  verifySignin,
  type ClientFrame,
  type PresenceMember,
} from '@herald/pusher';
import { TopicLimitError } from '@herald/bus';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData } from 'ws';
import type { ChannelHub } from './channel-hub.js';
import type { PusherSocket } from './pusher-socket.js';

export interface FrameContext {
  hub: ChannelHub;
  log: FastifyBaseLogger;
  maxChannels: number;
  /** Largest client event `data`, in bytes of its JSON (PUSHER_MAX_EVENT_DATA_BYTES, as a trigger's). */
  maxEventBytes: number;
  onClientEventRefused: () => void;
  /** A subscribe refused because this instance holds MAX_TOPICS topics already. */
  onTopicLimit: () => void;
  /** A subscribe refused by the connection's JOIN_RATE_LIMIT bucket. */
  onSubscribeRefused: () => void;
}

/** One frame from a pusher-js client. Bad input is answered with `pusher:error`; the connection stays. */
export function handlePusherFrame(ctx: FrameContext, socket: PusherSocket, data: RawData, isBinary: boolean): void {
  socket.lastSeen = performance.now();
  socket.pingSentAt = undefined;
  if (isBinary) {
    socket.send(serverFrames.pusherError('Binary frames are not part of the Pusher protocol'));
    return;
  }
  const decoded = decodeClientFrame(data.toString());
  if (!decoded.ok) {
    socket.send(serverFrames.pusherError(decoded.reason));
    return;
  }
  dispatch(ctx, socket, decoded.frame);
}

function dispatch(ctx: FrameContext, socket: PusherSocket, frame: ClientFrame): void {
  switch (frame.type) {
    case 'ping':
      socket.send(serverFrames.pong());
      return;
    case 'pong':
      return;
    case 'subscribe':
      return subscribe(ctx, socket, frame.channel, frame.auth, frame.channelData);
    case 'unsubscribe':
      if (!socket.channels.delete(frame.channel)) return;
      socket.schedule(() => ctx.hub.unsubscribe(socket, frame.channel), (err) => busFailed(ctx, socket, err));
      return;
    case 'signin':
      return signin(socket, frame.auth, frame.userData);
    case 'client-event':
      return clientEvent(ctx, socket, frame.channel, frame.event, frame.data);
  }
}

function refuse(socket: PusherSocket, channel: string, reason: string, status = 401): void {
  socket.send(serverFrames.subscriptionError(channel, reason, status));
}

function subscribe(ctx: FrameContext, socket: PusherSocket, channel: string, auth: string | undefined, channelData: string | undefined): void {
  const info = channelInfo(channel)!;
  // pusher-js subscribes again after a reconnect or a repeated subscribe(): answer as subscribed.
  if (socket.channels.has(channel)) {
    if (socket.channels.get(channel)!.state === 'subscribed' && !info.presence) socket.send(serverFrames.subscriptionSucceeded(channel));
    return;
  }
  if (socket.channels.size >= ctx.maxChannels) return refuse(socket, channel, `Too many channels on this connection (at most ${ctx.maxChannels})`, 400);
  if (socket.subscribes?.take() === false) {
    ctx.onSubscribeRefused();
    return refuse(socket, channel, 'Too many subscriptions at once (JOIN_RATE_LIMIT per second after JOIN_BURST); subscribe again later', 429);
  }
  let member: PresenceMember | undefined;
  if (info.kind === 'server-to-user') {
    if (socket.user === undefined || socket.user.id !== serverToUserId(channel)) {
      return refuse(socket, channel, 'Sign in (pusher:signin) as this user before subscribing to its server-to-user channel', 403);
    }
  } else if (info.needsAuth) {
    const checked = verifyChannelAuth(socket.app, { socketId: socket.socketId, channel, auth, channelData: info.presence ? channelData : undefined });
    if (!checked.ok) return refuse(socket, channel, checked.reason);
    if (info.presence) {
      const parsed = parseChannelData(channelData);
      if (!parsed.ok) return refuse(socket, channel, parsed.reason, 400);
      member = parsed.member;
    }
  }
  const entry: { state: 'subscribing' | 'subscribed'; userId?: string } = { state: 'subscribing' };
  if (member) entry.userId = member.user_id;
  socket.channels.set(channel, entry);
  socket.schedule(async () => {
    const presence = await ctx.hub.subscribe(socket, channel, member);
    // Unsubscribed, or closed, while the bus answered: the release/unsubscribe queued after this undoes it.
    if (socket.channels.get(channel) !== entry) return;
    const last = info.cache ? await ctx.hub.lastEvent(socket.app.id, channel) : undefined;
    if (socket.channels.get(channel) !== entry) return;
    entry.state = 'subscribed';
    socket.send(serverFrames.subscriptionSucceeded(channel, presence));
    if (info.cache) {
      socket.send(
        last === undefined
          ? serverFrames.cacheMiss(channel)
          : serverFrames.channelEvent({ channel, event: last.event, data: last.data, userId: last.userId }),
      );
    }
  }, (err) => {
    if (!(err instanceof TopicLimitError)) return busFailed(ctx, socket, err);
    // This channel only: the connection and its other channels stay.
    if (socket.channels.get(channel) === entry) socket.channels.delete(channel);
    ctx.onTopicLimit();
    refuse(socket, channel, `This server holds its ${err.maxTopics} channels already (MAX_TOPICS); try again later`, 503);
  });
}

function signin(socket: PusherSocket, auth: string, userData: string): void {
  const result = verifySignin(socket.app, { socketId: socket.socketId, auth, userData });
  if (!result.ok) {
    // pusher-js treats a failed sign-in as a connection it may not keep (Pusher closes with 4009).
    socket.send(serverFrames.pusherError(result.reason, PusherCode.UNAUTHORIZED));
    return;
  }
  socket.user = result.value;
  socket.send(serverFrames.signinSuccess(userData));
}

function clientEvent(ctx: FrameContext, socket: PusherSocket, channel: string, event: string, data: unknown): void {
  const subscribed = socket.channels.get(channel);
  if (subscribed?.state !== 'subscribed') {
    socket.send(serverFrames.pusherError(`Client event rejected: not subscribed to ${channel}`));
    return;
  }
  if (!socket.clientEvents.take()) {
    ctx.onClientEventRefused();
    socket.send(serverFrames.pusherError('Client event rejected due to rate limit', PusherCode.CLIENT_EVENT_RATE_LIMITED));
    return;
  }
  const text = eventData(data);
  if (Buffer.byteLength(text) > ctx.maxEventBytes) {
    socket.send(serverFrames.pusherError(`Client event rejected: data is over ${ctx.maxEventBytes} bytes`));
    return;
  }
  socket.schedule(async () => {
    await ctx.hub.publish(socket.app.id, channel, { event, data: text, userId: subscribed.userId, exclude: socket.socketId });
    await ctx.hub.recordClientEvent(socket.app.id, channel, { event, data: text, socketId: socket.socketId, userId: subscribed.userId });
  }, (err) => busFailed(ctx, socket, err));
}

/**
 * The bus failed mid-operation: the client reconnects and subscribes again, losing no
 * state it cannot rebuild. 4100, not 4200: pusher-js then backs off, so a bus outage
 * does not become a reconnect loop.
 */
function busFailed(ctx: FrameContext, socket: PusherSocket, err: unknown): void {
  ctx.log.warn({ err, socketId: socket.socketId }, 'Pusher bus operation failed, asking the client to reconnect later');
  socket.close(PusherCode.OVER_CAPACITY, 'Temporarily unavailable, reconnect later');
}
