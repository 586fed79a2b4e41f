import { compareIds, type ChatMessage, type JoinedMessage } from '@herald/protocol';

interface Pending {
  readonly joined: JoinedMessage;
  readonly held: ChatMessage[];
  /** The page request in flight (its reply is recognised by this ref). */
  ref?: string | undefined;
  /** Its timeout, or the delay before asking again after `rate_limited`. */
  timer?: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Rooms whose `joined` after `since` was cut (`more:true`) and that are paging
 * forward with `history after`. Until paging ends their live messages are held,
 * not delivered: delivering one would move the room's last id (the next `since`)
 * past messages not paged yet, and a reconnect then would skip them for good.
 */
export class CatchUp {
  readonly #rooms = new Map<string, Pending>();

  active(room: string): boolean {
    return this.#rooms.has(room);
  }

  start(joined: JoinedMessage): void {
    this.#rooms.set(joined.room, { joined, held: [] });
  }

  /** The next page was asked for with `ref` (undefined: waiting to ask again); `timer` fires if nothing comes. */
  asked(room: string, ref: string | undefined, timer: ReturnType<typeof setTimeout>): void {
    const pending = this.#rooms.get(room);
    if (pending === undefined) return clearTimeout(timer);
    clearTimeout(pending.timer);
    pending.ref = ref;
    pending.timer = timer;
  }

  /** The catching-up room whose page request carries `ref`. */
  roomOf(ref: string): string | undefined {
    for (const [room, pending] of this.#rooms) if (pending.ref === ref) return room;
    return undefined;
  }

  /** Holds a live message of a room that is catching up; false when the room is not. */
  hold(message: ChatMessage): boolean {
    const pending = this.#rooms.get(message.room);
    if (pending === undefined) return false;
    pending.held.push(message);
    return true;
  }

  /**
   * Ends the room's paging: its `joined` and the held live messages newer than
   * `lastPaged` (older ones came with the pages), in arrival order.
   */
  finish(room: string, lastPaged: string | undefined): { joined: JoinedMessage; live: ChatMessage[] } | undefined {
    const pending = this.#rooms.get(room);
    if (pending === undefined) return undefined;
    this.drop(room);
    const live = lastPaged === undefined ? pending.held : pending.held.filter((m) => compareIds(m.id, lastPaged) > 0);
    return { joined: pending.joined, live };
  }

  /** Drops a room's paging and what it held (a leave; the held messages will come again with `since`). */
  drop(room: string): void {
    clearTimeout(this.#rooms.get(room)?.timer);
    this.#rooms.delete(room);
  }

  /** The connection dropped: the rejoin resumes from the last paged id. */
  clear(): void {
    for (const room of [...this.#rooms.keys()]) this.drop(room);
  }
}
