import type { Bus, BusEvent, PresenceChange, Subscription } from '@herald/bus';
import { chatTopic, decodeChatPayload, type LiveFloors } from '@herald/protocol';
import type { Metrics } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from './connection.js';
import { messageFrame, presenceFrame } from './frames.js';
import { textFrameOf } from './wire.js';

/** Something a joining connection missed while its history was being read (complete frames, see wire.ts). */
export type Pending = { id: string; frame: Buffer } | Buffer;

/** Proof of one join in progress: a later join (or a leave) of the same connection voids it. */
export type JoinTicket = Pending[];

export interface RoomDeps {
  bus: Bus;
  metrics: Metrics;
  log: FastifyBaseLogger;
}

/**
 * The local side of one room on this instance: its members here, and the single
 * bus subscription (plus one presence subscription) that feeds all of them.
 * Invariants it keeps: a connection is joining xor a member; only members have
 * floors; the seed-mode count counts seed-mode members.
 */
export class Room {
  /** Members receiving live frames. */
  readonly #members = new Set<Connection>();
  /** Members between `join` and `joined`: what they would have received is kept here. */
  readonly #joining = new Map<Connection, JoinTicket>();
  /**
   * What a member got with its `joined` (see @herald/protocol resume). Another
   * instance's reader may be ahead of ours (Redis), so older live events can still
   * arrive after it: those the member already has are not sent again.
   */
  readonly #floors = new Map<Connection, LiveFloors>();
  /**
   * Members whose `joined` after `since` was cut: `history after` pages for them
   * stop at this id, past which they already get every message live (so paging
   * and live delivery meet without a duplicate). Dropped once a page reached it.
   */
  readonly #pagingUpTo = new Map<Connection, string>();
  #seedMembers = 0;
  readonly ready: Promise<void>;
  readonly #messages: Subscription;
  readonly #presence: Subscription;

  readonly topic: string;

  constructor(
    readonly name: string,
    private readonly deps: RoomDeps,
  ) {
    this.topic = chatTopic(name);
    this.#messages = deps.bus.subscribe(this.topic, (event) => this.deliver(event));
    this.#presence = deps.bus.presence.subscribe(name, (change) => this.presenceChanged(change));
    this.ready = Promise.all([this.#messages.ready, this.#presence.ready]).then(() => undefined);
    // Joiners await `ready` and see a failure; this only keeps an unawaited one from crashing.
    this.ready.catch(() => undefined);
  }

  get empty(): boolean {
    return this.#members.size === 0 && this.#joining.size === 0;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  get joiningCount(): number {
    return this.#joining.size;
  }

  get seedMemberCount(): number {
    return this.#seedMembers;
  }

  isMember(conn: Connection): boolean {
    return this.#members.has(conn);
  }

  /** Starts (or restarts) a join: `conn` stops getting live frames and holds them instead. */
  beginJoin(conn: Connection): JoinTicket {
    this.remove(conn);
    const ticket: JoinTicket = [];
    this.#joining.set(conn, ticket);
    return ticket;
  }

  /** False once the join was voided by a later join, a leave or a close. */
  stillJoining(conn: Connection, ticket: JoinTicket): boolean {
    return this.#joining.get(conn) === ticket;
  }

  /**
   * Makes `conn` a member and hands back what it missed meanwhile, in arrival
   * order; the caller sends it (filtered by `floors`), then live frames follow,
   * still filtered by `floors` until each topic passed its floor.
   */
  completeJoin(conn: Connection, ticket: JoinTicket, floors: LiveFloors, pagingUpTo?: string): Pending[] {
    if (!this.stillJoining(conn, ticket)) return [];
    this.#joining.delete(conn);
    this.#members.add(conn);
    if (floors.size > 0) this.#floors.set(conn, floors);
    if (pagingUpTo !== undefined) this.#pagingUpTo.set(conn, pagingUpTo);
    return ticket;
  }

  /** Where a member's `history after` paging stops (see #pagingUpTo); undefined: nowhere. */
  pagingUpTo(conn: Connection): string | undefined {
    return this.#pagingUpTo.get(conn);
  }

  pagingDone(conn: Connection): void {
    this.#pagingUpTo.delete(conn);
  }

  /** A seed-mode client is a member from the start: no history, no floors. */
  addSeedMember(conn: Connection): void {
    if (this.#members.has(conn)) return;
    this.remove(conn);
    this.#members.add(conn);
    if (conn.seedMode) this.#seedMembers += 1;
  }

  remove(conn: Connection): void {
    if (this.#members.delete(conn) && conn.seedMode) this.#seedMembers -= 1;
    this.#joining.delete(conn);
    this.#floors.delete(conn);
    this.#pagingUpTo.delete(conn);
  }

  /** One bus event to every local member: encoded and framed once, the same bytes for all. */
  deliver(event: BusEvent): void {
    const { metrics } = this.deps;
    const decoded = decodeChatPayload(event.data, this.name);
    if (decoded === undefined) {
      metrics.dropped.inc();
      this.deps.log.debug({ topic: event.topic, id: event.id }, 'not a chat message, not delivered');
      return;
    }
    const frame = textFrameOf(messageFrame(event.id, event.data, decoded));
    const seedFrame = this.#seedMembers > 0 ? textFrameOf(decoded.payload.text) : frame;
    let sent = 0;
    for (const member of this.#members) {
      if (this.#floors.size > 0 && this.#has(member, event)) continue;
      if (member.send(member.seedMode ? seedFrame : frame)) sent += 1;
    }
    for (const ticket of this.#joining.values()) ticket.push({ id: event.id, frame });
    if (sent > 0) metrics.messagesOut.inc(sent);
    metrics.deliverLatency.observe(Math.max(0, Date.now() - event.ts) / 1000);
  }

  /** A join or leave anywhere on the bus, told to the other local JSON members. */
  presenceChanged(change: PresenceChange): void {
    const frame = textFrameOf(presenceFrame(this.name, change.event, change.user));
    for (const member of this.#members) {
      if (!member.seedMode && member.id !== change.connectionId) member.send(frame);
    }
    for (const [member, ticket] of this.#joining) {
      if (member.id !== change.connectionId) ticket.push(frame);
    }
  }

  #has(member: Connection, event: BusEvent): boolean {
    const floors = this.#floors.get(member);
    if (floors === undefined) return false;
    if (!floors.admit(event.topic, event.id)) return true;
    if (floors.size === 0) this.#floors.delete(member);
    return false;
  }

  close(): void {
    this.#messages.unsubscribe();
    this.#presence.unsubscribe();
  }
}
