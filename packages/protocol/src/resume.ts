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
