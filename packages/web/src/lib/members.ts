import type { PresenceMessage, User } from '@herald/protocol';

/**
 * The member list of one room, kept from `joined` and `presence`. Presence is per
 * connection (one user may have two tabs), so each user is counted and listed
 * while at least one of their connections is in the room.
 */
export class RoomMembers {
  readonly #users = new Map<string, { user: User; count: number }>();

  /** Replaces the list with the snapshot a `joined` reply carries. */
  reset(members: readonly User[]): void {
    this.#users.clear();
    for (const user of members) this.add(user);
  }

  add(user: User): void {
    const entry = this.#users.get(user.id);
    if (entry) entry.count += 1;
    else this.#users.set(user.id, { user, count: 1 });
  }

  remove(user: User): void {
    const entry = this.#users.get(user.id);
    if (!entry) return;
    entry.count -= 1;
    if (entry.count <= 0) this.#users.delete(user.id);
  }

  list(): User[] {
    return [...this.#users.values()].map((e) => e.user);
  }
}

/** The member list of every room joined, by room. */
export class Rosters {
  readonly #rooms = new Map<string, RoomMembers>();

  list(room: string): User[] {
    return this.#rooms.get(room)?.list() ?? [];
  }

  /** A `joined` snapshot; the room's list after it. */
  reset(room: string, users: readonly User[]): User[] {
    let members = this.#rooms.get(room);
    if (!members) {
      members = new RoomMembers();
      this.#rooms.set(room, members);
    }
    members.reset(users);
    return members.list();
  }

  /** A `presence` change; the room's list after it, undefined for a room not joined. */
  apply(change: PresenceMessage): User[] | undefined {
    const members = this.#rooms.get(change.room);
    if (!members) return undefined;
    if (change.event === 'join') members.add(change.user);
    else members.remove(change.user);
    return members.list();
  }

  delete(room: string): void {
    this.#rooms.delete(room);
  }
}
