import type { User } from '@herald/protocol';
import type { PresenceMember } from '@herald/pusher';

/**
 * A Pusher presence member as a Herald Presence user. Pusher channels have presence
 * rooms of their own (the channel's topic), never shared with chat rooms, so there
 * `name` holds the member's `user_info` as JSON text: the bus's Presence then keeps
 * one entry per connection across instances, with nothing Pusher-specific in the bus.
 */
export function memberUser(member: PresenceMember): User {
  return { id: member.user_id, name: JSON.stringify(member.user_info ?? null) };
}

export function userMember(user: User): PresenceMember {
  let info: unknown = null;
  try {
    info = JSON.parse(user.name);
  } catch {
    // Not written by memberUser (a chat user in a room of the same name): no user_info.
  }
  return info === null ? { user_id: user.id } : { user_id: user.id, user_info: info };
}
