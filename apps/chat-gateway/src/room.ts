import type { Bus, BusEvent, PresenceChange, Subscription } from '@herald/bus';
import { chatTopic, compareIds, decodeChatPayload } from '@herald/protocol';
import type { Metrics } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from './connection.js';
import { messageFrame, presenceFrame } from './frames.js';
import { textFrame } from './wire.js';

/** Something a joining connection missed while its history was being read (complete frames, see wire.ts). */
export type Pending = { id: string; frame: Buffer } | Buffer;

export interface RoomDeps {
  bus: Bus;
  metrics: Metrics;
  log: FastifyBaseLogger;
}

/**
 * The local side of one room on this instance: its members here, and the single
 * bus subscription (plus one presence subscription) that feeds all of them.
 */
export class Room {
  /** Members receiving live frames. */
  readonly members = new Set<Connection>();
  /** Members between `join` and `joined`: what they would have received is kept here. */
  readonly joining = new Map<Connection, Pending[]>();
  /**
   * The newest id a member got with its `joined`. Another instance's reader may be
   * ahead of ours (Redis), so older live events can still arrive after it: those
   * the member already has are not sent again.
   */
  readonly floors = new Map<Connection, string>();
  rawCount = 0;
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
    return this.members.size === 0 && this.joining.size === 0;
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
    const frame = textFrame(Buffer.from(messageFrame(event.id, event.data, decoded)));
    const rawFrame = this.rawCount > 0 ? textFrame(Buffer.from(decoded.payload.text)) : frame;
    let sent = 0;
    for (const member of this.members) {
      if (this.floors.size > 0 && this.#has(member, event.id)) continue;
      if (member.send(member.raw ? rawFrame : frame)) sent += 1;
    }
    if (this.joining.size > 0) {
      for (const pending of this.joining.values()) pending.push({ id: event.id, frame });
    }
    if (sent > 0) metrics.messagesOut.inc(sent);
    metrics.deliverLatency.observe(Math.max(0, Date.now() - event.ts) / 1000);
  }

  /** A join or leave anywhere on the bus, told to the other local JSON members. */
  presenceChanged(change: PresenceChange): void {
    const frame = textFrame(Buffer.from(presenceFrame(this.name, change.event, change.user)));
    for (const member of this.members) {
      if (!member.raw && member.id !== change.connectionId) member.send(frame);
    }
    for (const [member, pending] of this.joining) {
      if (member.id !== change.connectionId) pending.push(frame);
    }
  }

  #has(member: Connection, id: string): boolean {
    const floor = this.floors.get(member);
    if (floor === undefined) return false;
    if (compareIds(id, floor) <= 0) return true;
    // Live events come in id order: after one newer than the floor, all are.
    this.floors.delete(member);
    return false;
  }

  close(): void {
    this.#messages.unsubscribe();
    this.#presence.unsubscribe();
  }
}
