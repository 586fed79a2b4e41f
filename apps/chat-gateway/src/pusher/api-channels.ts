/**
 * The channel queries of Pusher's HTTP API
 * (https://pusher.com/docs/channels/library_auth_reference/rest-api/#channels), answered
 * from the bus's Presence: every subscription on every gateway is a Presence entry of
 * its channel's topic (connectionId = socket id, user id = the presence member's
 * user_id, else the socket id; see channel-hub.ts), so the counts are the cluster's,
 * and an instance killed outright drops out with the presence TTL.
 */
import type { Presence } from '@herald/bus';
import { channelInfo, channelTopic, channelTopicPrefix, parseChannelTopic } from '@herald/pusher';
import { ApiRefusal } from './api-events.js';

const bad = (message: string) => new ApiRefusal(400, message);
const PRESENCE_PREFIX = 'presence-';
/** Longer than any channel name (164) with room for `#server-to-user-`: longer prefixes match nothing anyway. */
const MAX_PREFIX_LENGTH = 200;

/** `info=a,b` as a set; only `allowed` attributes, each a clear 400 otherwise. */
export function parseInfo(value: unknown, allowed: readonly string[]): Set<string> {
  if (value === undefined || value === '') return new Set();
  if (typeof value !== 'string') throw bad('info must be given once, as a comma-separated list');
  const wanted = new Set(value.split(',').map((part) => part.trim()).filter((part) => part !== ''));
  for (const attribute of wanted) {
    if (!allowed.includes(attribute)) throw bad(`info attribute ${JSON.stringify(attribute)} is not supported here (supported: ${allowed.join(', ')})`);
  }
  return wanted;
}

export function checkChannel(channel: string): void {
  if (channelInfo(channel) === undefined) throw bad(`not a valid channel name: ${JSON.stringify(channel)}`);
}

function isPresence(channel: string): boolean {
  return channelInfo(channel)?.presence === true;
}

const distinctUsers = (members: ReadonlyArray<{ user: { id: string } }>) => [...new Set(members.map((m) => m.user.id))];

export class ChannelQueries {
  constructor(private readonly presence: Presence) {}

  /** `GET /apps/{id}/channels`: the occupied channels, with user_count for presence channels only. */
  async list(appId: string, query: { filter_by_prefix?: unknown; info?: unknown }): Promise<{ channels: Record<string, { user_count?: number }> }> {
    const prefix = query.filter_by_prefix ?? '';
    if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH) {
      throw bad(`filter_by_prefix must be given once, at most ${MAX_PREFIX_LENGTH} characters`);
    }
    const info = parseInfo(query.info, ['user_count']);
    const userCount = info.has('user_count');
    // As Pusher: counting users needs every listed channel to be a presence channel.
    if (userCount && !prefix.startsWith(PRESENCE_PREFIX)) {
      throw bad(`info=user_count is only available with filter_by_prefix=${PRESENCE_PREFIX} (presence channels)`);
    }
    const rooms = await this.presence.rooms(channelTopicPrefix(appId, prefix));
    const names = rooms
      .map((topic) => parseChannelTopic(topic))
      .filter((parsed) => parsed !== undefined && parsed.appId === appId && parsed.channel.startsWith(prefix))
      .map((parsed) => parsed!.channel)
      .sort();
    const channels: Record<string, { user_count?: number }> = {};
    const counts = userCount ? await Promise.all(names.map((name) => this.#members(appId, name))) : [];
    names.forEach((name, i) => {
      const members = counts[i];
      // Left between the scan and the count: no longer occupied.
      if (userCount && members!.length === 0) return;
      channels[name] = userCount ? { user_count: distinctUsers(members!).length } : {};
    });
    return { channels };
  }

  /** `GET /apps/{id}/channels/{name}`. */
  async channel(appId: string, channel: string, query: { info?: unknown }): Promise<{ occupied: boolean; user_count?: number; subscription_count?: number }> {
    checkChannel(channel);
    const info = parseInfo(query.info, ['user_count', 'subscription_count']);
    if (info.has('user_count') && !isPresence(channel)) throw bad('info=user_count is only available for presence channels');
    const members = await this.#members(appId, channel);
    const out: { occupied: boolean; user_count?: number; subscription_count?: number } = { occupied: members.length > 0 };
    if (info.has('user_count')) out.user_count = distinctUsers(members).length;
    if (info.has('subscription_count')) out.subscription_count = members.length;
    return out;
  }

  /** `GET /apps/{id}/channels/{name}/users`: presence channels only. */
  async users(appId: string, channel: string): Promise<{ users: Array<{ id: string }> }> {
    checkChannel(channel);
    if (!isPresence(channel)) throw bad('users are only available for presence channels');
    return { users: distinctUsers(await this.#members(appId, channel)).map((id) => ({ id })) };
  }

  #members(appId: string, channel: string) {
    return this.presence.members(channelTopic(appId, channel));
  }
}
