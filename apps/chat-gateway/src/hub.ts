import type { Bus, BusEvent } from '@herald/bus';
import { chatTopic, compareIds, decodeChatPayload, encodeChatPayload } from '@herald/protocol';
import type { Metrics } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from './connection.js';
import { ErrorText, errorFrame } from './errors.js';
import { joinedFrame, leftFrame, messageFrame, uniqueUsers } from './frames.js';
import { Room, type Pending } from './room.js';

/** The room raw (seed-compatible) clients live in. */
export const LOBBY = 'lobby';
/** Rooms one connection may be in at once. */
export const MAX_ROOMS_PER_CONNECTION = 100;

export interface HubOptions {
  bus: Bus;
  metrics: Metrics;
  log: FastifyBaseLogger;
  historyOnJoin: number;
}

/**
 * Local room membership on this instance. One bus subscription per room however
 * many local members it has, dropped when the last one leaves; presence and
 * history live on the bus so every instance sees the same room.
 */
export class Hub {
  readonly #rooms = new Map<string, Room>();
  readonly #releases = new Set<Promise<void>>();
  readonly #options: HubOptions;

  constructor(options: HubOptions) {
    this.#options = options;
  }

  /** Rooms with at least one local member (each holds one bus subscription). */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /**
   * Subscribes before reading history and buffers live events meanwhile, so a
   * message published during the join arrives exactly once and after `joined`.
   * Joining again is allowed and answers `joined` again.
   */
  async join(conn: Connection, name: string, since: string | undefined): Promise<void> {
    if (!conn.rooms.has(name) && conn.rooms.size >= MAX_ROOMS_PER_CONNECTION) {
      conn.sendText(errorFrame('bad_request', ErrorText.tooManyRooms(MAX_ROOMS_PER_CONNECTION)));
      return;
    }
    const { bus } = this.#options;
    const room = this.#room(name);
    room.members.delete(conn);
    room.floors.delete(conn);
    const pending: Pending[] = [];
    room.joining.set(conn, pending);
    conn.rooms.add(name);
    const still = () => room.joining.get(conn) === pending;

    await room.ready;
    if (!still()) return;
    await bus.presence.join(name, conn.id, conn.user);
    if (!still()) {
      // Closed while joining: the release ran before our join reached the bus.
      await bus.presence.leave(name, conn.id);
      return;
    }
    const [members, history, newest] = await Promise.all([
      bus.presence.members(name),
      since === undefined ? bus.history(room.topic, undefined, this.#options.historyOnJoin) : bus.history(room.topic, since),
      since === undefined ? undefined : bus.history(room.topic, undefined, 1),
    ]);
    if (!still()) return;

    const frames: string[] = [];
    // What the client has: `since`, but never past the room's newest message (an id
    // from another room or a made-up one), or it would be sent nothing from now on.
    const top = newest?.events.at(-1)?.id;
    let lastId = since === undefined || top === undefined ? undefined : compareIds(since, top) > 0 ? top : since;
    for (const event of history.events) {
      const decoded = decodeChatPayload(event.data, name);
      if (decoded !== undefined) frames.push(messageFrame(event.id, event.data, decoded));
      lastId = event.id;
    }
    const recovered = since === undefined ? true : history.covered;
    conn.sendText(joinedFrame(name, uniqueUsers(members), frames, recovered));
    room.joining.delete(conn);
    room.members.add(conn);
    for (const item of pending) {
      if (Buffer.isBuffer(item)) conn.send(item);
      else if (lastId === undefined || compareIds(item.id, lastId) > 0) {
        conn.send(item.frame);
        lastId = item.id;
      }
    }
    if (lastId !== undefined) room.floors.set(conn, lastId);
  }

  /** A raw client is a lobby member from the start; it gets no history and no replies. */
  async joinRaw(conn: Connection): Promise<void> {
    const room = this.#room(LOBBY);
    room.members.add(conn);
    room.rawCount += 1;
    conn.rooms.add(LOBBY);
    await room.ready;
    if (!conn.rooms.has(LOBBY)) return;
    await this.#options.bus.presence.join(LOBBY, conn.id, conn.user);
    if (!conn.rooms.has(LOBBY)) await this.#options.bus.presence.leave(LOBBY, conn.id);
  }

  /** Leaving a room one is not in is not an error: the reply is `left` either way. */
  async leave(conn: Connection, name: string): Promise<void> {
    if (conn.rooms.has(name)) {
      this.#detach(conn, name);
      await this.#options.bus.presence.leave(name, conn.id);
    }
    conn.sendText(leftFrame(name));
  }

  publish(conn: Connection, room: string, text: string): Promise<BusEvent> {
    const data = encodeChatPayload(room, conn.user, text, Date.now());
    return this.#options.bus.publish(chatTopic(room), data);
  }

  /** A closed connection leaves every room; presence `leave` goes out for each. */
  release(conn: Connection): void {
    if (conn.rooms.size === 0) return;
    const names = [...conn.rooms];
    for (const name of names) this.#detach(conn, name);
    const { bus, log } = this.#options;
    const done = Promise.all(names.map((name) => bus.presence.leave(name, conn.id)))
      .then(() => undefined)
      .catch((err: unknown) => log.warn({ err, connectionId: conn.id }, 'presence leave failed'))
      .finally(() => this.#releases.delete(done));
    this.#releases.add(done);
  }

  /** Resolves when every presence `leave` started so far has reached the bus. */
  async settled(): Promise<void> {
    await Promise.all([...this.#releases]);
  }

  close(): void {
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }

  #room(name: string): Room {
    let room = this.#rooms.get(name);
    if (room === undefined) {
      const { bus, metrics, log } = this.#options;
      room = new Room(name, { bus, metrics, log });
      this.#rooms.set(name, room);
    }
    return room;
  }

  #detach(conn: Connection, name: string): void {
    conn.rooms.delete(name);
    const room = this.#rooms.get(name);
    if (room === undefined) return;
    if (room.members.delete(conn) && conn.raw) room.rawCount -= 1;
    room.joining.delete(conn);
    room.floors.delete(conn);
    if (room.empty) {
      room.close();
      this.#rooms.delete(name);
    }
  }
}
