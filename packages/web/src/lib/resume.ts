import type { JoinMessage } from '@herald/protocol';
import { RecentIds } from './dedupe.js';

/**
 * What the chat client must remember to resume after a reconnect: the rooms it
 * wants to be in, and per room the ids it has delivered (the newest of which is
 * the `since` of the rejoin).
 */
export class ChatResume {
  readonly #wanted = new Set<string>();
  // Kept after a leave, so rejoining later does not deliver the replayed history twice.
  readonly #seen = new Map<string, RecentIds>();
  readonly #capacity: number;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  want(room: string): void {
    this.#wanted.add(room);
  }

  unwant(room: string): void {
    this.#wanted.delete(room);
  }

  wants(room: string): boolean {
    return this.#wanted.has(room);
  }

  rooms(): string[] {
    return [...this.#wanted];
  }

  /** true when the message is new for `room` and must be delivered. */
  accept(room: string, id: string): boolean {
    let seen = this.#seen.get(room);
    if (!seen) {
      seen = new RecentIds(this.#capacity);
      this.#seen.set(room, seen);
    }
    return seen.accept(id);
  }

  lastId(room: string): string | undefined {
    return this.#seen.get(room)?.last;
  }

  /**
   * The frame that joins `room`. A first join asks for the recent history; a rejoin
   * after a reconnect asks for exactly what came after the last delivered message.
   */
  joinFrame(room: string, rejoin: boolean): JoinMessage {
    const since = rejoin ? this.lastId(room) : undefined;
    return since === undefined ? { type: 'join', room } : { type: 'join', room, since };
  }
}

/**
 * The URL of an event-stream subscription. `lastEventId` goes in the query only on
 * a fresh EventSource (after a hard failure): EventSource's own reconnects send the
 * Last-Event-ID header themselves.
 */
export function streamUrl(base: string, topics: readonly string[], lastEventId?: string, token?: string): string {
  const url = new URL(base);
  // The origin alone (http://host:8088) means the service's /sse endpoint.
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sse';
  url.searchParams.delete('topic');
  url.searchParams.delete('lastEventId');
  for (const topic of topics) url.searchParams.append('topic', topic);
  if (lastEventId !== undefined) url.searchParams.set('lastEventId', lastEventId);
  // EventSource cannot send an Authorization header: the token travels as ?token=,
  // which the service keeps out of its logs.
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}
