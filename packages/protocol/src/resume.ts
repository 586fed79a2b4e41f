import { compareIds } from './ids.js';

/**
 * The resume algorithm, shared by every transport (chat `since`, SSE Last-Event-ID).
 *
 * A transport subscribes first and holds what arrives, then reads history, then
 * asks this module what to send: the history after the client's id, the held
 * events history did not already cover, and from then on which live events the
 * client already has. Ids come from one bus-wide sequence, so one id is a position
 * in every topic of a stream; within a topic, live events arrive in id order.
 *
 * Two bugs were fixed here once for all transports:
 * - an id past a topic's newest event (made up, or from another topic) must not
 *   swallow what comes later: the floor is clamped to the topic's newest id;
 * - another instance's bus reader may be ahead of this one's (Redis), so live
 *   events the replay already covered can still arrive: they are dropped.
 */

/** Anything with a place in the bus order. */
export interface Positioned {
  readonly id: string;
  readonly topic: string;
}

export interface TopicHistory<E extends Positioned> {
  /** Events after the requested id (or the newest ones), oldest first. */
  readonly events: readonly E[];
  /** false when history was trimmed past the requested id. */
  readonly covered: boolean;
}

export interface ResumeInput<E extends Positioned> {
  /** The newest id the client has; undefined on a first connect. */
  readonly after: string | undefined;
  /** History read after subscribing, per topic that keeps one. */
  readonly histories: ReadonlyMap<string, TopicHistory<E>>;
  /**
   * The newest id of each topic listed by `topicsNeedingNewest` (absent: the
   * topic is empty). Other topics need none: their history already says.
   */
  readonly newest?: ReadonlyMap<string, string>;
}

export interface ResumePlan<E extends Positioned> {
  /** Topics whose history no longer reaches `after`: tell the client (`reset`, `recovered:false`). */
  readonly reset: readonly string[];
  /** True unless `after` was given and some topic's history no longer reaches it. */
  readonly recovered: boolean;
  /** History to send before anything held or live, in id order. */
  readonly replay: readonly E[];
  /** What the client has per topic once `replay` is written. */
  readonly floors: LiveFloors;
}

const byId = (a: Positioned, b: Positioned) => compareIds(a.id, b.id);

/**
 * Per topic, the newest id a client already has. A live (or held) event at or
 * below its topic's floor is a duplicate; the first one above it passes the
 * floor for good, since a topic's events arrive in id order.
 */
export class LiveFloors {
  readonly #floors: Map<string, string>;

  constructor(floors?: Iterable<[string, string]>) {
    this.#floors = new Map(floors);
  }

  /** Topics still guarded; 0 means every event is new (the fast path). */
  get size(): number {
    return this.#floors.size;
  }

  get(topic: string): string | undefined {
    return this.#floors.get(topic);
  }

  /** True when the client does not have this event yet. */
  admit(topic: string, id: string): boolean {
    const floor = this.#floors.get(topic);
    if (floor === undefined) return true;
    if (compareIds(id, floor) <= 0) return false;
    this.#floors.delete(topic);
    return true;
  }
}

/** Topics whose newest id the caller must read before `planResume`: only an empty history can be behind a made-up id. */
export function topicsNeedingNewest<E extends Positioned>(
  after: string | undefined,
  histories: ReadonlyMap<string, TopicHistory<E>>,
): string[] {
  if (after === undefined) return [];
  return [...histories].filter(([, history]) => history.events.length === 0).map(([topic]) => topic);
}

export function planResume<E extends Positioned>({ after, histories, newest }: ResumeInput<E>): ResumePlan<E> {
  const reset: string[] = [];
  const replay: E[] = [];
  const floors: Array<[string, string]> = [];
  for (const [topic, history] of histories) {
    if (after !== undefined && !history.covered) reset.push(topic);
    let last: string | undefined;
    for (const event of history.events) {
      if (after !== undefined && compareIds(event.id, after) <= 0) continue;
      replay.push(event);
      last = event.id;
    }
    if (last === undefined && after !== undefined) {
      const top = newest?.get(topic) ?? history.events.at(-1)?.id;
      if (top !== undefined) last = compareIds(after, top) > 0 ? top : after;
    }
    if (last !== undefined) floors.push([topic, last]);
  }
  // One history per topic is in order already; several must be merged.
  if (histories.size > 1) replay.sort(byId);
  return { reset, recovered: reset.length === 0, replay, floors: new LiveFloors(floors) };
}

/**
 * The replay followed by the held events the client does not have, in id order
 * (for transports that send one ordered stream; chat interleaves presence itself
 * and asks `floors.admit` per held item). Advances the plan's floors.
 */
export function withHeld<E extends Positioned>(plan: ResumePlan<E>, held: readonly E[]): E[] {
  const fresh = held.filter((event) => plan.floors.admit(event.topic, event.id));
  if (fresh.length === 0) return [...plan.replay];
  return [...plan.replay, ...fresh].sort(byId);
}

/** Most events a replay page holds, whatever the limits: past this, more per read buys nothing. */
export const MAX_PAGE_EVENTS = 512;

/**
 * Events per replay page, for SSE and chat alike: as many of the largest events a
 * publish may carry as fit in `budgetBytes` (MAX_BUFFERED_BYTES, MAX_JOIN_HISTORY_BYTES),
 * 1 to MAX_PAGE_EVENTS. Sized by the largest possible event, not the ones seen so far,
 * so a page can never hold more than the budget, whatever a publisher sends.
 */
export function replayPageEvents(budgetBytes: number, maxEventBytes: number): number {
  return Math.min(MAX_PAGE_EVENTS, Math.max(1, Math.floor(budgetBytes / Math.max(1, maxEventBytes))));
}

/** Reads up to `limit` events of `topic` after `after`, oldest first (a bus's history). */
export type PageReader<E extends Positioned> = (topic: string, after: string, limit: number) => Promise<TopicHistory<E>>;

export interface ReplayPagerOptions<E extends Positioned> {
  /** The newest id the client has. */
  readonly after: string;
  /** The topics that keep history (not `time`). */
  readonly topics: readonly string[];
  /**
   * The bus's newest id, read once every subscription was ready (undefined: nothing
   * was ever published). Events above it arrive live; the replay stops at it.
   */
  readonly upTo: string | undefined;
  readonly read: PageReader<E>;
  /** Events per page over all topics: what the transport holds at once. */
  readonly pageSize: number;
}

export interface ReplayPage<E extends Positioned> {
  /** Topics found trimmed (or forgotten) past what the client has: tell it before `events`. */
  readonly reset: readonly string[];
  /** The next events, in id order across topics. */
  readonly events: readonly E[];
}

interface Cursor<E extends Positioned> {
  readonly topic: string;
  /** The newest id read from this topic. */
  after: string;
  page: readonly E[];
  /** Next unread index in `page`. */
  at: number;
  exhausted: boolean;
}

/**
 * A resume read in pages, never whole, so a transport holds one page per client
 * however much history it asks for, and writes the next page only once the last
 * one drained. Exact like `planResume`:
 * - the replay is cut at `upTo`: everything at or below it is in history, everything
 *   above arrives live (held until `done`), so the two never overlap or leave a gap,
 *   and `floors` (every topic at `upTo`) drops live duplicates;
 * - several topics are merged in id order, reading each topic's next page only when
 *   its last one is used up;
 * - a topic trimmed while it is being paged is reported in that page's `reset`.
 */
export class ReplayPager<E extends Positioned> {
  readonly #cursors: Cursor<E>[];
  readonly #upTo: string | undefined;
  readonly #read: PageReader<E>;
  readonly #pageSize: number;
  readonly #perTopic: number;
  /** What the client has per topic once the replay is done; live events at or below are duplicates. */
  readonly floors: LiveFloors;

  constructor({ after, topics, upTo, read, pageSize }: ReplayPagerOptions<E>) {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
    // At or past the bus's newest id there is nothing to replay (a made-up id included).
    const nothing = upTo === undefined || compareIds(after, upTo) >= 0;
    this.#cursors = topics.map((topic) => ({ topic, after, page: [], at: 0, exhausted: nothing }));
    this.#upTo = upTo;
    this.#read = read;
    this.#pageSize = pageSize;
    this.#perTopic = Math.max(1, Math.floor(pageSize / Math.max(1, topics.length)));
    this.floors = new LiveFloors(upTo === undefined ? [] : topics.map((topic): [string, string] => [topic, upTo]));
  }

  /** True once every page was handed out. */
  get done(): boolean {
    return this.#cursors.every((c) => c.exhausted && c.at === c.page.length);
  }

  /** The next page: empty events only when `done` (or when only resets were found). */
  async next(): Promise<ReplayPage<E>> {
    const reset: string[] = [];
    const events: E[] = [];
    while (events.length < this.#pageSize) {
      const empty = this.#cursors.filter((c) => c.at === c.page.length && !c.exhausted);
      if (empty.length > 0) {
        // A topic's next event is unknown until read: stop here rather than hold two pages.
        if (events.length > 0) break;
        await Promise.all(empty.map((c) => this.#fill(c, reset)));
        continue;
      }
      let min: Cursor<E> | undefined;
      for (const c of this.#cursors) {
        if (c.at < c.page.length && (!min || compareIds(c.page[c.at]!.id, min.page[min.at]!.id) < 0)) min = c;
      }
      if (!min) break;
      events.push(min.page[min.at]!);
      min.at += 1;
    }
    return { reset, events };
  }

  async #fill(cursor: Cursor<E>, reset: string[]): Promise<void> {
    const history = await this.#read(cursor.topic, cursor.after, this.#perTopic);
    if (!history.covered) reset.push(cursor.topic);
    const upTo = this.#upTo!;
    let end = 0;
    while (end < history.events.length && compareIds(history.events[end]!.id, upTo) <= 0) end += 1;
    cursor.page = end === history.events.length ? history.events : history.events.slice(0, end);
    cursor.at = 0;
    cursor.exhausted = end < history.events.length || history.events.length < this.#perTopic;
    const last = history.events[end - 1];
    if (last) cursor.after = last.id;
  }
}

/** Held live events the client lacks once a paged replay is done, in id order (advances `floors`). */
export function freshHeld<E extends Positioned>(floors: LiveFloors, held: readonly E[]): E[] {
  const fresh = held.filter((event) => floors.admit(event.topic, event.id));
  return fresh.length > 1 ? fresh.sort(byId) : fresh;
}
