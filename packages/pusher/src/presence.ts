/**
 * Presence channel members. A member is one user id, however many connections it has
 * (Herald's bus Presence counts the connections); pusher-js keeps `presence.hash` as
 * its member table (src/core/channels/members.ts), so ids, hash and count must agree.
 */
import { isUserId } from './channels.js';

export interface PresenceMember {
  readonly user_id: string;
  readonly user_info?: unknown;
}

export interface PresenceData {
  readonly ids: string[];
  readonly hash: Record<string, unknown>;
  readonly count: number;
}

/** Max bytes of a member's `channel_data`, as Pusher limits user_info (1 KB) plus room for the id. */
export const MAX_CHANNEL_DATA_BYTES = 1024 + 256;

export type ChannelDataResult = { ok: true; member: PresenceMember } | { ok: false; reason: string };

/**
 * Parses the `channel_data` of a presence subscription. Numeric ids are taken as their
 * decimal string: Laravel's broadcaster signs `user_id` as the model's integer key.
 */
export function parseChannelData(text: unknown): ChannelDataResult {
  if (typeof text !== 'string') return { ok: false, reason: 'Presence channels need channel_data' };
  if (Buffer.byteLength(text) > MAX_CHANNEL_DATA_BYTES) {
    return { ok: false, reason: `channel_data is over ${MAX_CHANNEL_DATA_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'channel_data is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'channel_data must be a JSON object with user_id' };
  }
  const raw = value as Record<string, unknown>;
  const id = typeof raw.user_id === 'number' && Number.isSafeInteger(raw.user_id) ? String(raw.user_id) : raw.user_id;
  if (!isUserId(id)) return { ok: false, reason: 'channel_data.user_id must be a string of 1-128 characters or an integer' };
  return { ok: true, member: raw.user_info === undefined ? { user_id: id } : { user_id: id, user_info: raw.user_info } };
}

/** The `presence` object of subscription_succeeded; the first entry of a user id wins. */
export function presenceData(members: Iterable<PresenceMember>): PresenceData {
  const ids: string[] = [];
  // A null-prototype table: a user id of `__proto__` is a key, not a prototype change.
  const hash = Object.create(null) as Record<string, unknown>;
  for (const member of members) {
    if (Object.hasOwn(hash, member.user_id)) continue;
    ids.push(member.user_id);
    hash[member.user_id] = member.user_info ?? null;
  }
  return { ids, hash, count: ids.length };
}
