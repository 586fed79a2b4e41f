import type { Bus, BusEvent } from '@herald/bus';
import { encodeReset, ReplayPager, TIME_TOPIC, type ReplayPage } from '@herald/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { encodeBusEvent } from './frames.js';

/**
 * The replay of a resuming stream (Last-Event-ID), read in pages by @herald/protocol's
 * ReplayPager: the hub holds one page per stream and writes the next only once the
 * socket drained, so a client asking for all of history costs about
 * MAX_BUFFERED_BYTES, not the history's size.
 */


export interface OpenedReplay {
  readonly pager: ReplayPager<BusEvent>;
  /** Read before the response head, so a bus failure is still a 503. */
  readonly first: ReplayPage<BusEvent>;
}

/**
 * Starts the replay after `after`: reads the bus's newest id (every subscription is
 * ready by now, so anything newer arrives live) and the first page.
 */
export async function openReplay(bus: Bus, topics: readonly string[], after: string, pageSize: number): Promise<OpenedReplay> {
  const upTo = await bus.newestId();
  const pager = new ReplayPager<BusEvent>({
    after,
    topics: topics.filter((topic) => topic !== TIME_TOPIC),
    upTo,
    read: (topic, from, limit) => bus.history(topic, from, limit),
    pageSize,
  });
  return { pager, first: await pager.next() };
}

export interface PageText {
  /** `reset` for topics found trimmed, then the page's events, as bytes. */
  readonly bytes: Buffer;
  /** Events in `bytes`. */
  readonly sent: number;
  /** The id of the last event in `bytes`, or `lastEventId` when none: what the client has now. */
  readonly lastEventId: string;
}

/**
 * One page as SSE bytes. `lastEventId` is what the client had before it (the id a
 * `reset` names). Bytes, not one joined string: a page-sized string would be
 * flattened into V8's large-object space and live there until a full GC, which a
 * heap holding a big history puts off for hundreds of MiB; event-sized pieces and
 * one Buffer go with the next scavenge.
 */
export function pageText(events: readonly BusEvent[], reset: readonly string[], lastEventId: string, log: FastifyBaseLogger): PageText {
  const parts: Buffer[] = reset.length > 0 ? [Buffer.from(encodeReset(reset, lastEventId))] : [];
  let sent = 0;
  let last = lastEventId;
  for (const event of events) {
    try {
      parts.push(Buffer.from(encodeBusEvent(event)));
      sent += 1;
      last = event.id;
    } catch (err) {
      log.warn({ err, topic: event.topic, id: event.id }, 'unencodable event skipped');
    }
  }
  return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts), sent, lastEventId: last };
}
