import type { Bus, BusEvent, PresenceChange, Subscription } from '@herald/bus';
import { channelTopic, presenceData, serverFrames, type PresenceData, type PresenceMember } from '@herald/pusher';
import type { Metrics } from '@herald/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import { decodePusherEvent, encodePusherEvent, type PusherBusEvent } from './bus-payload.js';
import { memberUser, userMember } from './member-codec.js';
import type { PusherSocket } from './pusher-socket.js';
import { textFrame } from '../wire.js';
import { encodeClientEventNote, type ClientEventNote } from './webhook-batch.js';

export interface ChannelHubDeps {
  bus: Bus;
  metrics: Metrics;
  log: FastifyBaseLogger;
  /** PUSHER_WEBHOOK_URL is set: client events go to the journal for their `client_event` webhook. */
  recordClientEvents: boolean;
}

/**
 * Cluster-wide members of one presence channel: user id -> its connections anywhere,
 * so `member_added` goes out for a user's first connection and `member_removed` for its
 * last, whichever instance they are on. Changes that arrive before the first members()
 * read finished are queued and applied over it.
 */
class Members {
  readonly #users = new Map<string, Map<string, PresenceMember>>();
  #queued: PresenceChange[] | undefined = [];

  seed(entries: ReadonlyArray<{ connectionId: string; member: PresenceMember }>): PresenceChange[] {
    for (const { connectionId, member } of entries) this.#add(connectionId, member);
    const queued = this.#queued ?? [];
    this.#queued = undefined;
    return queued;
  }

  /** undefined while not seeded (queued); else whether the user appeared or disappeared. */
  apply(change: PresenceChange): 'added' | 'removed' | 'same' | undefined {
    if (this.#queued) {
      this.#queued.push(change);
      return undefined;
    }
    if (change.event === 'join') return this.#add(change.connectionId, userMember(change.user)) ? 'added' : 'same';
    const connections = this.#users.get(change.user.id);
    if (!connections?.delete(change.connectionId)) return 'same';
    if (connections.size > 0) return 'same';
    this.#users.delete(change.user.id);
    return 'removed';
  }

  snapshot(): PresenceData {
    const members: PresenceMember[] = [];
    for (const connections of this.#users.values()) members.push(connections.values().next().value!);
    return presenceData(members);
  }

  #add(connectionId: string, member: PresenceMember): boolean {
    let connections = this.#users.get(member.user_id);
    const isNew = connections === undefined;
    if (!connections) {
      connections = new Map();
      this.#users.set(member.user_id, connections);
    }
    connections.set(connectionId, member);
    return isNew;
  }
}

/** One channel on this instance: its local subscribers and the one bus subscription feeding them. */
class LocalChannel {
  readonly sockets = new Set<PusherSocket>();
  readonly subscription: Subscription;
  readonly presence: Subscription | undefined;
  readonly members: Members | undefined;
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    readonly topic: string,
    isPresence: boolean,
    hub: ChannelHub,
    bus: Bus,
  ) {
    this.subscription = bus.subscribe(topic, (event) => hub.deliver(this, event));
    if (isPresence) {
      this.members = new Members();
      this.presence = bus.presence.subscribe(topic, (change) => hub.presenceChanged(this, change));
    }
    this.ready = Promise.all([this.subscription.ready, this.presence?.ready]).then(() => undefined);
    this.ready.catch(() => undefined);
  }

  close(): void {
    this.subscription.unsubscribe();
    this.presence?.unsubscribe();
  }
}

/**
 * Pusher channels on this instance, on the bus: one channel = one topic
 * (`pusher.<app>.<channel>`), so a trigger on any gateway reaches every gateway, and
 * SSE reads the same topic. Frames are encoded once per event for all local sockets.
 */
export class ChannelHub {
  readonly #channels = new Map<string, LocalChannel>();
  readonly #deps: ChannelHubDeps;

  constructor(deps: ChannelHubDeps) {
    this.#deps = deps;
  }

  /** Local channels (for stats and tests). */
  get size(): number {
    return this.#channels.size;
  }

  /**
   * Adds `socket` to `channel` (subscribing the instance to its topic first), and on a
   * presence channel joins `member` cluster-wide. Resolves with the members then (the
   * `presence` of subscription_succeeded), undefined for other channels.
   */
  async subscribe(socket: PusherSocket, channel: string, member: PresenceMember | undefined): Promise<PresenceData | undefined> {
    const topic = channelTopic(socket.app.id, channel);
    let local = this.#channels.get(topic);
    if (!local) {
      local = new LocalChannel(channel, topic, member !== undefined, this, this.#deps.bus);
      this.#channels.set(topic, local);
    }
    local.sockets.add(socket);
    await local.ready;
    // Every subscription is a Presence entry of the channel's topic, whatever its kind:
    // the HTTP API counts subscriptions and users across instances from it, and an
    // instance killed outright has its entries expire with the presence TTL. Counted
    // (occupancy) for the webhooks: channel_occupied/vacated per connection, and on
    // presence channels member_added/removed per user id, decided by the bus once for
    // the cluster. Counted always, webhooks or not, so the counts stay right when an
    // instance gets PUSHER_WEBHOOK_URL later.
    const { presence } = this.#deps.bus;
    const occupancy = member === undefined ? 'connections' : 'users';
    await presence.join(topic, socket.socketId, memberUser(member ?? { user_id: socket.socketId }), { occupancy });
    if (!local.members || member === undefined) return undefined;
    const list = await presence.members(topic);
    const queued = local.members.seed(list.map((m) => ({ connectionId: m.connectionId, member: userMember(m.user) })));
    for (const change of queued) this.presenceChanged(local, change);
    return local.members.snapshot();
  }

  /** Removes `socket` from `channel`; the last local socket unsubscribes the instance. */
  async unsubscribe(socket: PusherSocket, channel: string): Promise<void> {
    const topic = channelTopic(socket.app.id, channel);
    const local = this.#channels.get(topic);
    if (!local || !local.sockets.delete(socket)) return;
    if (local.sockets.size === 0) {
      this.#channels.delete(topic);
      local.close();
    }
    await this.#deps.bus.presence.leave(topic, socket.socketId);
  }

  /** Every channel of a closed socket. */
  async release(socket: PusherSocket): Promise<void> {
    const channels = [...socket.channels.keys()];
    socket.channels.clear();
    await Promise.all(channels.map((channel) => this.unsubscribe(socket, channel)));
  }

  async publish(appId: string, channel: string, event: PusherBusEvent): Promise<BusEvent> {
    return this.#deps.bus.publish(channelTopic(appId, channel), encodePusherEvent(event));
  }

  /** Journals a client event for its webhook (when webhooks are on), after the events journaled before it. */
  async recordClientEvent(appId: string, channel: string, note: ClientEventNote): Promise<void> {
    if (!this.#deps.recordClientEvents) return;
    await this.#deps.bus.journal.append(channelTopic(appId, channel), encodeClientEventNote(note));
  }

  /** The newest event of a channel (cache channels send it on subscribe). */
  async lastEvent(appId: string, channel: string): Promise<PusherBusEvent | undefined> {
    const { events } = await this.#deps.bus.history(channelTopic(appId, channel), undefined, 1);
    const last = events.at(-1);
    return last ? decodePusherEvent(last.data) : undefined;
  }

  deliver(local: LocalChannel, busEvent: BusEvent): void {
    const event = decodePusherEvent(busEvent.data);
    if (!event) {
      this.#deps.metrics.dropped.inc();
      this.#deps.log.debug({ topic: busEvent.topic, id: busEvent.id }, 'not a Pusher event, not delivered');
      return;
    }
    // Encoded and framed once, the same bytes for every local subscriber.
    const frame = textFrame(Buffer.from(serverFrames.channelEvent({ channel: local.name, event: event.event, data: event.data, userId: event.userId })));
    let sent = 0;
    for (const socket of local.sockets) {
      if (socket.socketId === event.exclude) continue;
      // Not before its subscription_succeeded: pusher-js drops events of a channel it is not subscribed to yet.
      if (socket.channels.get(local.name)?.state !== 'subscribed') continue;
      if (socket.sendFrame(frame)) sent += 1;
    }
    if (sent > 0) this.#deps.metrics.messagesOut.inc(sent);
  }

  presenceChanged(local: LocalChannel, change: PresenceChange): void {
    const outcome = local.members?.apply(change);
    if (outcome !== 'added' && outcome !== 'removed') return;
    const frame = textFrame(
      Buffer.from(
        outcome === 'added' ? serverFrames.memberAdded(local.name, userMember(change.user)) : serverFrames.memberRemoved(local.name, change.user.id),
      ),
    );
    for (const socket of local.sockets) {
      if (socket.socketId === change.connectionId) continue;
      if (socket.channels.get(local.name)?.state === 'subscribed') socket.sendFrame(frame);
    }
  }

  close(): void {
    for (const local of this.#channels.values()) local.close();
    this.#channels.clear();
  }
}
