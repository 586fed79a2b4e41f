/**
 * What the server sends (protocol 7), as text frames. pusher-js JSON-parses a string
 * `data` once more (Protocol.decodeMessage), so every frame carries `data` as a JSON
 * string the way Pusher does, except `pusher:error`, whose data is an object.
 * Pure: each function returns the frame text.
 */
import type { PresenceData, PresenceMember } from './presence.js';

type Frame = { event: string; channel?: string; data: unknown; user_id?: string };

const frame = (value: Frame): string => JSON.stringify(value);

/** pusher-js takes `activity_timeout` in seconds and pings after that much silence. */
export function connectionEstablished(socketId: string, activityTimeoutSeconds: number): string {
  return frame({
    event: 'pusher:connection_established',
    data: JSON.stringify({ socket_id: socketId, activity_timeout: activityTimeoutSeconds }),
  });
}

/** `code` null: an error that is not one of Pusher's numbered codes (e.g. a bad frame). */
export function pusherError(message: string, code: number | null = null): string {
  return frame({ event: 'pusher:error', data: { code, message } });
}

export function pong(): string {
  return frame({ event: 'pusher:pong', data: '{}' });
}

/** The server's own ping; pusher-js answers `pusher:pong`, or the server closes with 4201. */
export function ping(): string {
  return frame({ event: 'pusher:ping', data: '{}' });
}

export function subscriptionSucceeded(channel: string, presence?: PresenceData): string {
  return frame({
    event: 'pusher_internal:subscription_succeeded',
    channel,
    data: JSON.stringify(presence === undefined ? {} : { presence }),
  });
}

/**
 * A refused subscription. pusher-js emits a channel event named `pusher:subscription_error`
 * with this data on the channel (Channel.handleEvent), the same shape it emits for a failed
 * auth request (`{type:'AuthError', error, status}`).
 */
export function subscriptionError(channel: string, error: string, status = 401): string {
  return frame({
    event: 'pusher:subscription_error',
    channel,
    data: JSON.stringify({ type: 'AuthError', error, status }),
  });
}

/** A cache channel with nothing cached yet. */
export function cacheMiss(channel: string): string {
  return frame({ event: 'pusher:cache_miss', channel, data: '{}' });
}

export function subscriptionCount(channel: string, count: number): string {
  return frame({ event: 'pusher_internal:subscription_count', channel, data: JSON.stringify({ subscription_count: count }) });
}

export function memberAdded(channel: string, member: PresenceMember): string {
  return frame({
    event: 'pusher_internal:member_added',
    channel,
    data: JSON.stringify({ user_id: member.user_id, user_info: member.user_info ?? null }),
  });
}

export function memberRemoved(channel: string, userId: string): string {
  return frame({ event: 'pusher_internal:member_removed', channel, data: JSON.stringify({ user_id: userId }) });
}

/** `userData` is the exact signed `user_data` string of the sign-in. */
export function signinSuccess(userData: string): string {
  return frame({ event: 'pusher:signin_success', data: JSON.stringify({ user_data: userData }) });
}

export interface ChannelEvent {
  readonly channel: string;
  readonly event: string;
  /** As triggered: the HTTP API's data string, or a client event's data. */
  readonly data: unknown;
  /** Client events on presence channels: the sender's user id. */
  readonly userId?: string | undefined;
}

export function channelEvent(event: ChannelEvent): string {
  const out: Frame = { event: event.event, channel: event.channel, data: eventData(event.data) };
  if (event.userId !== undefined) out.user_id = event.userId;
  return frame(out);
}

/** Pusher relays data as a string: a string stays as it is, anything else is its JSON. */
export function eventData(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data ?? null);
}
