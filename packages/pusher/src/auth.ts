/**
 * Channel authorization and user sign-in signatures
 * (https://pusher.com/docs/channels/library_auth_reference/auth-signatures/):
 * channel: HMAC-SHA256(secret, `socket_id:channel[:channel_data]`);
 * user:    HMAC-SHA256(secret, `socket_id::user::user_data`);
 * both sent as `key:signature`, the way the pusher SDK's authorizeChannel and
 * authenticateUser return them.
 */
import type { PusherApp } from './apps.js';
import { isUserId } from './channels.js';
import { hmacHex, signatureMatches } from './sign.js';

export type AuthResult<T = undefined> = { ok: true; value: T } | { ok: false; reason: string };

export function channelSignature(secret: string, socketId: string, channel: string, channelData?: string): string {
  const text = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return hmacHex(secret, text);
}

export function userSignature(secret: string, socketId: string, userData: string): string {
  return hmacHex(secret, `${socketId}::user::${userData}`);
}

/** The `key:signature` string a client presents (what an auth endpoint returns). */
export function channelAuth(app: PusherApp, socketId: string, channel: string, channelData?: string): string {
  return `${app.key}:${channelSignature(app.secret, socketId, channel, channelData)}`;
}

export function userAuth(app: PusherApp, socketId: string, userData: string): string {
  return `${app.key}:${userSignature(app.secret, socketId, userData)}`;
}

function checkAuth(app: PusherApp, auth: unknown, expected: string): AuthResult {
  if (typeof auth !== 'string' || auth === '') return { ok: false, reason: 'Missing auth signature' };
  const colon = auth.indexOf(':');
  if (colon < 0) return { ok: false, reason: 'Invalid auth: expected "<key>:<signature>"' };
  if (auth.slice(0, colon) !== app.key) return { ok: false, reason: 'Invalid key in auth signature' };
  if (!signatureMatches(expected, auth.slice(colon + 1))) {
    return { ok: false, reason: 'Invalid signature: the auth signature does not match this socket and channel' };
  }
  return { ok: true, value: undefined };
}

export interface ChannelAuthRequest {
  readonly socketId: string;
  readonly channel: string;
  readonly auth: unknown;
  /** Presence channels: the exact `channel_data` string the client sent. */
  readonly channelData?: string | undefined;
}

export function verifyChannelAuth(app: PusherApp, request: ChannelAuthRequest): AuthResult {
  const expected = channelSignature(app.secret, request.socketId, request.channel, request.channelData);
  return checkAuth(app, request.auth, expected);
}

/** A signed-in user: `user_data` parsed; `id` is what presence and server-to-user use. */
export interface SignedInUser {
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface SigninRequest {
  readonly socketId: string;
  readonly auth: unknown;
  readonly userData: unknown;
}

export function verifySignin(app: PusherApp, request: SigninRequest): AuthResult<SignedInUser> {
  if (typeof request.userData !== 'string') return { ok: false, reason: 'Missing user_data' };
  const checked = checkAuth(app, request.auth, userSignature(app.secret, request.socketId, request.userData));
  if (!checked.ok) return checked;
  let data: unknown;
  try {
    data = JSON.parse(request.userData);
  } catch {
    return { ok: false, reason: 'Invalid user_data: not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, reason: 'Invalid user_data: expected a JSON object' };
  }
  const id = (data as Record<string, unknown>).id;
  // pusher-js drops a sign-in whose id is not a non-empty string (src/core/user.ts).
  if (!isUserId(id)) return { ok: false, reason: 'Invalid user_data: id must be a string of 1-128 characters' };
  return { ok: true, value: { id, data: data as Record<string, unknown> } };
}
