import type { User } from '@herald/protocol';
import type { Redis } from 'ioredis';
import type { Listener, Presence, PresenceChange, Subscription } from './bus.js';
import type { JoinOptions, Occupancy } from './journal.js';
import { ListenerMap } from './listeners.js';
import type { BusLogger } from './redis-connection.js';
import { BusUnavailableError, describeError } from './redis-errors.js';
import type { RedisKeys } from './redis-keys.js';
import { HEARTBEAT, JOIN, LEAVE, LIVE_ROOMS, MEMBERS, REAP } from './redis-scripts.js';

/** Keys SCAN looks at per call: enough to finish quickly, small enough never to block Redis. */
export const ROOMS_SCAN_COUNT = 500;

/** `text` as a Redis glob that matches only itself (MATCH treats `* ? [ ] \` as pattern). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export interface RedisPresenceOptions {
  command: Redis;
  subscriber: Redis;
  keys: RedisKeys;
  instanceId: string;
  /** An instance silent this long is dead: its members are removed, with a leave each. */
  ttlMs: number;
  log: BusLogger;
  onListenerError: (err: unknown) => void;
}

function isUser(value: unknown): value is User {
  const u = value as Partial<User> | null;
  return typeof u === 'object' && u !== null && typeof u.id === 'string' && typeof u.name === 'string';
}

function parseChange(room: string, message: string): PresenceChange | undefined {
  try {
    const c = JSON.parse(message) as Partial<PresenceChange>;
    if ((c.event !== 'join' && c.event !== 'leave') || c.room !== room) return undefined;
    if (typeof c.connectionId !== 'string' || !isUser(c.user)) return undefined;
    return { room, event: c.event, user: c.user, connectionId: c.connectionId };
  } catch {
    return undefined;
  }
}

/**
 * Presence shared by every instance on one Redis. Each room is a hash of
 * connectionId → {order, instance, user}; each instance keeps a heartbeat deadline
 * in a sorted set, refreshed every ttl/3. members() skips entries of instances past
 * their deadline, and every instance sweeps (atomically, in a Lua script) the members
 * of dead ones, publishing a leave for each: a killed instance's members are gone
 * within ttl + ttl/3. Joins and leaves travel on one pub/sub channel per room.
 * This instance's own joins are also kept locally and registered again whenever
 * Redis comes back (or the instance was taken for dead), so a Redis restart without
 * persistence does not empty the rooms.
 */
export class RedisPresence implements Presence {
  readonly #o: RedisPresenceOptions;
  /** Own members: room → connectionId → user (and how it counts, for re-registering). */
  readonly #local = new Map<string, Map<string, { user: User; occupancy?: Occupancy | undefined }>>();
  /** Leaves that could not reach Redis; sent when it is back. */
  readonly #pendingLeaves: Array<{ room: string; connectionId: string }> = [];
  readonly #listeners: ListenerMap<PresenceChange>;
  readonly #channels = new Map<string, Promise<void>>();
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(options: RedisPresenceOptions) {
    this.#o = options;
    this.#listeners = new ListenerMap(options.onListenerError);
    options.subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    options.command.on('ready', () => void this.#resync());
    const every = Math.max(10, Math.floor(options.ttlMs / 3));
    this.#timers.push(setInterval(() => void this.#beat(), every));
    this.#timers.push(setInterval(() => void this.#sweep(), every));
    for (const t of this.#timers) t.unref();
  }

  async join(room: string, connectionId: string, user: User, options: JoinOptions = {}): Promise<void> {
    this.#assertUsable('join');
    let members = this.#local.get(room);
    if (members?.has(connectionId)) return;
    if (!members) {
      members = new Map();
      this.#local.set(room, members);
    }
    members.set(connectionId, { user, occupancy: options.occupancy });
    try {
      await this.#register(room, connectionId, user, options.occupancy);
    } catch (err) {
      members.delete(connectionId);
      if (members.size === 0) this.#local.delete(room);
      throw new BusUnavailableError(`presence join failed: ${describeError(err)}`, { cause: err });
    }
  }

  async leave(room: string, connectionId: string): Promise<void> {
    if (this.#closed) return;
    const members = this.#local.get(room);
    members?.delete(connectionId);
    if (members?.size === 0) this.#local.delete(room);
    // A leave must not be lost (the member would linger): kept until Redis is back.
    try {
      if (this.#o.command.status !== 'ready') throw new Error('not connected');
      await this.#unregister(room, connectionId);
    } catch {
      this.#pendingLeaves.push({ room, connectionId });
    }
  }

  async members(room: string): Promise<Array<{ connectionId: string; user: User }>> {
    this.#assertUsable('members');
    const { command, keys } = this.#o;
    const flat = (await MEMBERS.run(command, [keys.presence(room), keys.instances], [])) as string[];
    const entries: Array<{ n: number; connectionId: string; user: User }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      try {
        const e = JSON.parse(flat[i + 1]!) as { n?: unknown; u?: unknown };
        if (isUser(e.u)) entries.push({ n: Number(e.n) || 0, connectionId: flat[i]!, user: e.u });
      } catch {
        // Not written by us: not a member.
      }
    }
    entries.sort((a, b) => a.n - b.n);
    return entries.map(({ connectionId, user }) => ({ connectionId, user }));
  }

  async rooms(prefix: string): Promise<string[]> {
    this.#assertUsable('rooms');
    const { command, keys } = this.#o;
    const match = `${globEscape(keys.presence(prefix))}*`;
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, page] = await command.scan(cursor, 'MATCH', match, 'COUNT', ROOMS_SCAN_COUNT);
      cursor = next;
      // SCAN may return a key twice; the set keeps each room once.
      const fresh = page.filter((key) => !found.has(key));
      if (fresh.length === 0) continue;
      const live = (await LIVE_ROOMS.run(command, [keys.instances, ...fresh], [])) as number[];
      for (const position of live) found.add(fresh[position - 1]!);
    } while (cursor !== '0');
    const rooms: string[] = [];
    for (const key of found) {
      const room = keys.presenceRoomOf(key);
      if (room !== undefined) rooms.push(room);
    }
    return rooms;
  }

  subscribe(room: string, listener: Listener<PresenceChange>): Subscription {
    if (this.#closed) return { ready: Promise.resolve(), unsubscribe() {} };
    const { subscriber, keys, log } = this.#o;
    const off = this.#listeners.add(room, listener);
    let ready = this.#channels.get(room);
    if (!ready) {
      // Queued while Redis is away; ioredis subscribes again after every reconnect.
      ready = subscriber.subscribe(keys.presenceChannel(room)).then(
        () => undefined,
        (err: unknown) => log.warn({ room, err: describeError(err) }, 'redis bus: presence subscribe failed'),
      );
      this.#channels.set(room, ready);
    }
    const mine = ready;
    return {
      ready: mine,
      unsubscribe: () => {
        off();
        if (this.#listeners.has(room) || this.#channels.get(room) !== mine) return;
        this.#channels.delete(room);
        subscriber.unsubscribe(keys.presenceChannel(room)).catch(() => {});
      },
    };
  }

  /** Stops the heartbeat and removes this instance's members (a leave each). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#listeners.clear();
    this.#local.clear();
    if (this.#o.command.status !== 'ready') return;
    try {
      await this.#reap(this.#o.instanceId);
    } catch (err) {
      this.#o.log.warn({ err: describeError(err) }, 'redis bus: could not remove own presence on close');
    }
  }

  #assertUsable(what: string): void {
    if (this.#closed) throw new Error('bus is closed');
    if (this.#o.command.status !== 'ready') {
      throw new BusUnavailableError(`redis is not connected: presence ${what} unavailable`);
    }
  }

  #onMessage(channel: string, message: string): void {
    const room = this.#o.keys.roomOf(channel);
    if (room === undefined) return;
    const change = parseChange(room, message);
    if (change) this.#listeners.emit(room, change);
  }

  async #register(room: string, connectionId: string, user: User, occupancy: Occupancy | undefined): Promise<void> {
    const { command, keys, instanceId } = this.#o;
    const change: PresenceChange = { room, event: 'join', user, connectionId };
    const counted = occupancy === 'users' ? 'u' : occupancy === 'connections' ? 'c' : '';
    await JOIN.run(
      command,
      [keys.presence(room), keys.instanceRooms(instanceId), keys.presenceSeq, keys.occupancy(room), keys.journal],
      [connectionId, JSON.stringify(user), instanceId, keys.presenceChannel(room), room, JSON.stringify(change), counted, user.id],
    );
  }

  async #unregister(room: string, connectionId: string): Promise<void> {
    const { command, keys, instanceId } = this.#o;
    const lastHere = this.#local.has(room) ? '0' : '1';
    await LEAVE.run(
      command,
      [keys.presence(room), keys.instanceRooms(instanceId), keys.occupancy(room), keys.journal],
      [connectionId, keys.presenceChannel(room), room, lastHere],
    );
  }

  #reap(instanceId: string): Promise<unknown> {
    const { command, keys } = this.#o;
    return REAP.run(
      command,
      [keys.instances],
      [keys.presence(''), keys.instanceRooms(''), keys.presenceChannelPrefix, instanceId, keys.occupancyPrefix, keys.journal],
    );
  }

  /** Heartbeat; when Redis had forgotten this instance, its members are registered again. */
  async #beat(): Promise<void> {
    const { command, keys, instanceId, ttlMs } = this.#o;
    if (this.#closed || command.status !== 'ready') return;
    try {
      const added = await HEARTBEAT.run(command, [keys.instances], [instanceId, ttlMs]);
      if (added === 1) await this.#registerAll();
    } catch (err) {
      this.#o.log.warn({ err: describeError(err) }, 'redis bus: presence heartbeat failed');
    }
  }

  async #sweep(): Promise<void> {
    if (this.#closed || this.#o.command.status !== 'ready') return;
    try {
      const removed = Number(await this.#reap(''));
      if (removed > 0) this.#o.log.info({ removed }, 'redis bus: removed members of dead instances');
    } catch (err) {
      this.#o.log.warn({ err: describeError(err) }, 'redis bus: presence sweep failed');
    }
  }

  /** After (re)connecting: heartbeat, pending leaves, then own members again. */
  async #resync(): Promise<void> {
    if (this.#closed) return;
    try {
      await HEARTBEAT.run(this.#o.command, [this.#o.keys.instances], [this.#o.instanceId, this.#o.ttlMs]);
      while (this.#pendingLeaves.length > 0) {
        const { room, connectionId } = this.#pendingLeaves[0]!;
        if (!this.#local.get(room)?.has(connectionId)) await this.#unregister(room, connectionId);
        this.#pendingLeaves.shift();
      }
      await this.#registerAll();
    } catch (err) {
      this.#o.log.warn({ err: describeError(err) }, 'redis bus: presence resync failed, retrying on next connect');
    }
  }

  async #registerAll(): Promise<void> {
    for (const [room, members] of this.#local) {
      for (const [connectionId, { user, occupancy }] of members) await this.#register(room, connectionId, user, occupancy);
    }
  }
}
