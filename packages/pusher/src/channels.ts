/**
 * Pusher channel names and kinds. A name is 1-164 of `[A-Za-z0-9_\-=@,.;]`
 * (https://pusher.com/docs/channels/using_channels/channels/#channel-naming-conventions);
 * the prefix decides the kind. `#server-to-user-<user id>` is the one reserved name a
 * client subscribes to: pusher-js does it after `pusher:signin` (src/core/user.ts).
 */

export const MAX_CHANNEL_LENGTH = 164;
export const CHANNEL_PATTERN = /^[A-Za-z0-9_\-=@,.;]{1,164}$/;
export const SERVER_TO_USER_PREFIX = '#server-to-user-';

/** User ids (presence `user_id`, sign-in `id`): 1-128 characters, no control characters. */
export const MAX_USER_ID_LENGTH = 128;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export type ChannelKind =
  | 'public'
  | 'private'
  | 'presence'
  | 'private-encrypted'
  | 'cache'
  | 'private-cache'
  | 'presence-cache'
  | 'private-encrypted-cache'
  | 'server-to-user';

export interface ChannelInfo {
  readonly kind: ChannelKind;
  /** Needs a channel auth signature on subscribe. */
  readonly needsAuth: boolean;
  /** Carries members (`channel_data` in the auth, member_added/removed). */
  readonly presence: boolean;
  /** Replays its last event to a new subscriber. */
  readonly cache: boolean;
  /** Accepts `client-*` events from subscribers. */
  readonly clientEvents: boolean;
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_USER_ID_LENGTH && !CONTROL.test(value);
}

export function isChannelName(value: unknown): value is string {
  return typeof value === 'string' && (CHANNEL_PATTERN.test(value) || serverToUserId(value) !== undefined);
}

/** The user of a `#server-to-user-<id>` channel; `undefined` for any other name. */
export function serverToUserId(channel: string): string | undefined {
  if (!channel.startsWith(SERVER_TO_USER_PREFIX)) return undefined;
  const id = channel.slice(SERVER_TO_USER_PREFIX.length);
  return isUserId(id) ? id : undefined;
}

export function serverToUserChannel(userId: string): string {
  return `${SERVER_TO_USER_PREFIX}${userId}`;
}

// Longest prefix first: `private-encrypted-cache-` before `private-encrypted-` before `private-`.
const KINDS: readonly (readonly [string, ChannelKind])[] = [
  ['private-encrypted-cache-', 'private-encrypted-cache'],
  ['private-encrypted-', 'private-encrypted'],
  ['private-cache-', 'private-cache'],
  ['presence-cache-', 'presence-cache'],
  ['private-', 'private'],
  ['presence-', 'presence'],
  ['cache-', 'cache'],
];

/** The kind of a valid channel name; `undefined` for an invalid one. */
export function channelInfo(channel: string): ChannelInfo | undefined {
  if (!isChannelName(channel)) return undefined;
  if (channel.startsWith(SERVER_TO_USER_PREFIX)) return info('server-to-user');
  const kind = KINDS.find(([prefix]) => channel.startsWith(prefix))?.[1] ?? 'public';
  return info(kind);
}

function info(kind: ChannelKind): ChannelInfo {
  const presence = kind === 'presence' || kind === 'presence-cache';
  const isPrivate = kind === 'private' || kind === 'private-cache';
  const encrypted = kind === 'private-encrypted' || kind === 'private-encrypted-cache';
  return {
    kind,
    // The server-to-user channel is authorized by the sign-in, not by a channel signature.
    needsAuth: presence || isPrivate || encrypted,
    presence,
    cache: kind.endsWith('cache'),
    // pusher-js refuses client events on encrypted channels (EncryptedChannel.trigger throws).
    clientEvents: presence || isPrivate,
  };
}
