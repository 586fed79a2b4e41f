import { TopicLimitError, type Bus, type BusEvent } from '@herald/bus';
import { chatTopic, compareIds, encodeChatPayload, HISTORY_LIMIT_DEFAULT, LiveFloors, replayPageEvents, type HistoryRequest } from '@herald/protocol';
import type { Metrics } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from './connection.js';
import { ErrorText, errorFrame } from './errors.js';
import { historyFrame, joinedFrame, leftFrame, uniqueUsers } from './frames.js';
import { readAfter, readBefore, type ReplyLimits } from './history-pages.js';
import { Room } from './room.js';

/** The room seed-mode clients live in. */
export const LOBBY = 'lobby';
/** Rooms one connection may be in at once. */
export const MAX_ROOMS_PER_CONNECTION = 100;

export interface RoomHubOptions {
  bus: Bus;
  metrics: Metrics;
  log: FastifyBaseLogger;
  historyOnJoin: number;
  /** Bytes of messages a `joined` (or `history`) reply holds at most (MAX_JOIN_HISTORY_BYTES). */
  maxJoinHistoryBytes: number;
  /** MAX_MESSAGE_BYTES: sizes the pages history is read in. */
  maxMessageBytes: number;
}

/**
 * Local room membership on this instance. One bus subscription per room however
 * many local members it has, dropped when the last one leaves; presence and
 * history live on the bus so every instance sees the same room.
 */
export class RoomHub {
  readonly #rooms = new Map<string, Room>();
  readonly #releases = new Set<Promise<void>>();
  readonly #options: RoomHubOptions;

  constructor(options: RoomHubOptions) {
    this.#options = options;
  }

  /** Rooms with at least one local member (each holds one bus subscription). */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /**
   * Subscribes before reading history and buffers live events meanwhile, so a
   * message published during the join arrives exactly once and after `joined`.
   * Joining a room again answers `joined` with the members only: the connection
   * already has every message, so history is not read (nor framed) again.
   */
  async join(conn: Connection, name: string, since: string | undefined, ref?: string): Promise<void> {
    if (!conn.rooms.has(name) && conn.rooms.size >= MAX_ROOMS_PER_CONNECTION) {
      conn.sendText(errorFrame('bad_request', ErrorText.tooManyRooms(MAX_ROOMS_PER_CONNECTION), ref));
      return;
    }
    const { bus, metrics } = this.#options;
    const member = this.#rooms.get(name);
    if (member?.isMember(conn)) {
      const members = await bus.presence.members(name);
      if (member.isMember(conn)) conn.sendText(joinedFrame(name, uniqueUsers(members), [], true, false));
      return;
    }
    let room: Room;
    try {
      room = this.#room(name);
    } catch (err) {
      // One join refused, not the connection: its other rooms go on.
      if (!(err instanceof TopicLimitError)) throw err;
      metrics.limitRefusals.inc({ limit: 'topics' });
      conn.sendText(errorFrame('unavailable', ErrorText.topicLimit(err.maxTopics), ref));
      return;
    }
    const ticket = room.beginJoin(conn);
    conn.rooms.add(name);
    const still = () => room.stillJoining(conn, ticket);

    await room.ready;
    if (!still()) return;
    await bus.presence.join(name, conn.id, conn.user);
    if (!still()) {
      // Closed while joining: the release ran before our join reached the bus.
      await bus.presence.leave(name, conn.id);
      return;
    }
    // Without `since`: the newest messages. With it: the bus's newest id first, then the
    // messages up to it (ReplayPager); past it they arrive live (held meanwhile), so the
    // two meet exactly: live ones at or below it are dropped by the floor.
    const [members, upTo] = await Promise.all([bus.presence.members(name), since === undefined ? undefined : bus.newestId()]);
    if (!still()) return;
    const limits = this.#limits(since === undefined ? this.#options.historyOnJoin : Infinity);
    const reply =
      since === undefined
        ? await readBefore(bus, name, room.topic, undefined, limits)
        : { ...(await readAfter(bus, name, room.topic, since, limits, upTo)), newest: upTo };
    if (!still()) return;

    conn.sendText(joinedFrame(name, uniqueUsers(members), reply.texts, reply.covered, reply.more));
    // What the client has: everything up to the newest id read. When cut, `history after`
    // fills in the rest up to it.
    const floors = new LiveFloors(reply.newest === undefined ? [] : [[room.topic, reply.newest]]);
    const pagingUpTo = reply.more && since !== undefined ? reply.newest : undefined;
    for (const item of room.completeJoin(conn, ticket, floors, pagingUpTo)) {
      if (Buffer.isBuffer(item)) conn.send(item);
      else if (floors.admit(room.topic, item.id)) conn.send(item.frame);
    }
  }

  /**
   * One page of a room's history for a member. `after` pages of a member whose
   * `joined` was cut stop where its live messages start (see Room#pagingUpTo).
   */
  async history(conn: Connection, request: HistoryRequest): Promise<void> {
    const { bus } = this.#options;
    const room = this.#rooms.get(request.room);
    if (room === undefined || !room.isMember(conn)) {
      conn.sendText(errorFrame('not_joined', ErrorText.notJoinedHistory(request.room), request.ref));
      return;
    }
    const limits = this.#limits(request.limit ?? HISTORY_LIMIT_DEFAULT);
    let reply;
    if (request.after !== undefined) {
      const bound = room.pagingUpTo(conn);
      const upTo = bound !== undefined && compareIds(request.after, bound) < 0 ? bound : await bus.newestId();
      reply = await readAfter(bus, room.name, room.topic, request.after, limits, upTo);
      if (bound !== undefined && !(upTo === bound && reply.more)) room.pagingDone(conn);
    } else {
      reply = await readBefore(bus, room.name, room.topic, request.before!, limits);
    }
    if (!room.isMember(conn)) return;
    conn.sendText(historyFrame(request.room, reply.texts, reply.more, reply.covered, request.ref));
  }

  /** A seed-mode client is a lobby member from the start; it gets no history and no replies. */
  async joinSeed(conn: Connection): Promise<void> {
    const room = this.#room(LOBBY);
    room.addSeedMember(conn);
    conn.rooms.add(LOBBY);
    await room.ready;
    if (!conn.rooms.has(LOBBY)) return;
    await this.#options.bus.presence.join(LOBBY, conn.id, conn.user);
    if (!conn.rooms.has(LOBBY)) await this.#options.bus.presence.leave(LOBBY, conn.id);
  }

  /** Leaving a room one is not in is not an error: the reply is `left` either way. */
  async leave(conn: Connection, name: string, reason?: 'forbidden'): Promise<void> {
    if (conn.rooms.has(name)) {
      this.#detach(conn, name);
      await this.#options.bus.presence.leave(name, conn.id);
    }
    conn.sendText(leftFrame(name, reason));
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

  #limits(maxCount: number): ReplyLimits {
    const { maxJoinHistoryBytes, maxMessageBytes } = this.#options;
    return { maxBytes: maxJoinHistoryBytes, maxCount, pageEvents: replayPageEvents(maxJoinHistoryBytes, maxMessageBytes) };
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
    room.remove(conn);
    if (room.empty) {
      room.close();
      this.#rooms.delete(name);
    }
  }
}
