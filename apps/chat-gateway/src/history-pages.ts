import type { Bus, BusEvent } from '@herald/bus';
import { decodeChatPayload, ReplayPager } from '@herald/protocol';
import { messageFrame } from './frames.js';

/**
 * Reading a room's history for one reply (`joined`, `history`) in bounded pages:
 * the bus is asked for a few events at a time and reading stops as soon as the
 * reply is full, so a request over a huge history costs about `maxBytes` (plus
 * one page) of memory, not the whole history. Forward reads go through
 * @herald/protocol's ReplayPager, the resume core the event stream uses too.
 */

export interface ReplyLimits {
  /** Bytes of message frames one reply holds; the first message always fits (or paging could never move on). */
  maxBytes: number;
  /** Messages one reply holds. */
  maxCount: number;
  /** Events per bus read going forward (@herald/protocol replayPageEvents). */
  pageEvents: number;
}

export interface HistoryReply {
  /** Message frames, in id order. */
  texts: string[];
  /** true when the reply was cut: more messages lie beyond it (in the direction read). */
  more: boolean;
  /** false when history was trimmed past the id asked for (a gap the client must be told of). */
  covered: boolean;
}

/** Events per bus read at most; fewer once the sizes seen say the reply will be full sooner. */
const PAGE_EVENTS = 100;

const FIRST_PAGE = 16;

/** Fills one reply from events fed in reading order; says when it is full. */
class ReplyBuilder {
  readonly texts: string[] = [];
  #bytes = 0;
  #seen = 0;
  #seenBytes = 0;

  constructor(
    private readonly room: string,
    private readonly limits: ReplyLimits,
  ) {}

  /** How many events the next bus read should ask for (one more than fits, to know whether more exist). */
  get want(): number {
    const left = this.limits.maxCount - this.texts.length;
    const bySize = this.#seen === 0 ? FIRST_PAGE : Math.ceil((this.limits.maxBytes - this.#bytes) / (this.#seenBytes / this.#seen));
    return Math.max(1, Math.min(PAGE_EVENTS, left + 1, bySize + 1));
  }

  /** false when `event` does not fit: the reply is full and more messages exist. */
  add(event: BusEvent): boolean {
    const decoded = decodeChatPayload(event.data, this.room);
    // Not a chat message (published over SSE with another shape): never delivered, skipped here too.
    if (decoded === undefined) return true;
    if (this.texts.length >= this.limits.maxCount) return false;
    const text = messageFrame(event.id, event.data, decoded);
    const size = Buffer.byteLength(text) + 1;
    this.#seen += 1;
    this.#seenBytes += size;
    if (this.texts.length > 0 && this.#bytes + size > this.limits.maxBytes) return false;
    this.texts.push(text);
    this.#bytes += size;
    return true;
  }
}

/**
 * Messages after `after` (exclusive), oldest first, up to `upTo` (inclusive: the
 * bus's newest id read once subscribed, or where a member's live messages start);
 * past it messages reach the client live. undefined: nothing was ever published.
 */
export async function readAfter(
  bus: Bus,
  room: string,
  topic: string,
  after: string,
  limits: ReplyLimits,
  upTo: string | undefined,
): Promise<HistoryReply> {
  const reply = new ReplyBuilder(room, limits);
  const pager = new ReplayPager<BusEvent>({
    after,
    topics: [topic],
    upTo,
    read: (from, id, limit) => bus.history(from, id, limit),
    pageSize: limits.pageEvents,
  });
  let covered = true;
  while (!pager.done) {
    const page = await pager.next();
    // Trimmed (or forgotten) past the cursor, before the first page or between two: a gap.
    if (page.reset.length > 0) covered = false;
    for (const event of page.events) {
      if (!reply.add(event)) return { texts: reply.texts, more: true, covered };
    }
  }
  return { texts: reply.texts, more: false, covered };
}

/** The newest messages before `before` (exclusive; undefined: the newest of all), returned oldest first. */
export async function readBefore(
  bus: Bus,
  room: string,
  topic: string,
  before: string | undefined,
  limits: ReplyLimits,
): Promise<HistoryReply & { newest: string | undefined }> {
  const reply = new ReplyBuilder(room, limits);
  let cursor = before;
  let newest: string | undefined;
  for (;;) {
    const want = reply.want;
    const page =
      cursor === undefined ? (await bus.history(topic, undefined, want)).events : await bus.historyBefore(topic, cursor, want);
    newest ??= page.at(-1)?.id;
    for (let i = page.length - 1; i >= 0; i--) {
      const event = page[i]!;
      if (!reply.add(event)) return { texts: reply.texts.reverse(), more: true, covered: true, newest };
      cursor = event.id;
    }
    if (page.length < want) return { texts: reply.texts.reverse(), more: false, covered: true, newest };
  }
}
