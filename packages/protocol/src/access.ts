import type { HeraldClaim } from './claims.js';
import { CHAT_TOPIC_PREFIX, roomOfTopic } from './names.js';
import { matchesAny } from './patterns.js';

/** What a server allows beyond the token: AUTH_DEFAULT_ROOMS and PUBLIC_TOPICS. */
export interface AccessPolicy {
  /** Rooms a token without `herald.rooms` may join (AUTH_DEFAULT_ROOMS, default `*`). */
  readonly defaultRooms: readonly string[];
  /** Topics anyone may read, with or without a token (PUBLIC_TOPICS, default `time`). */
  readonly publicTopics: readonly string[];
}

export const DEFAULT_ACCESS_POLICY: AccessPolicy = { defaultRooms: ['*'], publicTopics: ['time'] };

/** The rights of one client, answered the same way by every transport. */
export interface Access {
  canJoin(room: string): boolean;
  /** Read over SSE. `chat.<room>` follows {@link Access.canJoin}; public topics are open to all. */
  canSubscribe(topic: string): boolean;
  canPublish(topic: string): boolean;
}

/** Auth off (contract v1), or the operator's PUBLISH_TOKEN: everything is allowed. */
export const OPEN_ACCESS: Access = {
  canJoin: () => true,
  canSubscribe: () => true,
  canPublish: () => true,
};

/**
 * The rights of a client of a server with auth on: `claim` is the verified
 * `herald` claim of its token, or undefined for a client without a token (which may
 * read the public topics and nothing else).
 *
 * - join: `herald.rooms`, or the policy's default rooms when the claim has none.
 * - subscribe: a public topic; `chat.<room>` by the join right for `<room>` (never by
 *   `herald.subscribe`, so reading a room over SSE needs exactly what joining it
 *   needs); any other topic by `herald.subscribe`.
 * - publish: `herald.publish`; for `chat.<room>` also the join right, since a message
 *   there is posted as the token's user, who could not send it over the gateway
 *   without being allowed in the room.
 */
export function accessFor(policy: AccessPolicy, claim: HeraldClaim | undefined): Access {
  if (claim === undefined) {
    return {
      canJoin: () => false,
      canSubscribe: (topic) => matchesAny(policy.publicTopics, topic),
      canPublish: () => false,
    };
  }
  const rooms = claim.rooms ?? policy.defaultRooms;
  const subscribe = claim.subscribe ?? [];
  const publish = claim.publish ?? [];
  const canJoin = (room: string) => matchesAny(rooms, room);
  return {
    canJoin,
    canSubscribe(topic) {
      if (matchesAny(policy.publicTopics, topic)) return true;
      const room = roomOfTopic(topic);
      if (room !== undefined) return canJoin(room);
      if (topic.startsWith(CHAT_TOPIC_PREFIX)) return false;
      return matchesAny(subscribe, topic);
    },
    canPublish(topic) {
      if (!matchesAny(publish, topic)) return false;
      const room = roomOfTopic(topic);
      if (room !== undefined) return canJoin(room);
      return !topic.startsWith(CHAT_TOPIC_PREFIX);
    },
  };
}
