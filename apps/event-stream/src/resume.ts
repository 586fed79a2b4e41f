import type { Bus, BusEvent, History } from '@herald/bus';
import { compareIds } from '@herald/protocol';
import { TIME_TOPIC } from './time-ticker.js';

/**
 * Resume by Last-Event-ID. Ids come from one sequence across all topics, so one id
 * names a position in every topic of a stream. The route subscribes first (events
 * arriving meanwhile are held), then reads history, then sends the union of both
 * in id order, then goes live: nothing published during the replay is missed, and
 * nothing read from both history and the live feed is sent twice.
 */

export interface Replay {
  /** Topics whose history no longer reaches the requested id. */
  readonly resetTopics: string[];
  /** What to send before going live, oldest first. */
  readonly events: BusEvent[];
}

const byId = (a: BusEvent, b: BusEvent) => compareIds(a.id, b.id);

/** History after `after` for every topic that has one (`time` has none). */
export async function readHistories(bus: Bus, topics: readonly string[], after: string): Promise<Map<string, History>> {
  const withHistory = topics.filter((topic) => topic !== TIME_TOPIC);
  const histories = await Promise.all(withHistory.map((topic) => bus.history(topic, after)));
  return new Map(withHistory.map((topic, i) => [topic, histories[i]!]));
}

/**
 * Merges history with the events held while it was read. Per topic, a held event
 * counts only if it is newer than the last one history returned for that topic
 * (ids are ordered within a topic); comparing against other topics' ids could drop
 * an event that was published between two history reads.
 */
export function planReplay(
  lastEventId: string | undefined,
  histories: ReadonlyMap<string, History>,
  held: readonly BusEvent[],
): Replay {
  if (lastEventId === undefined) return { resetTopics: [], events: [...held].sort(byId) };
  const resetTopics: string[] = [];
  const events: BusEvent[] = [];
  const newest = new Map<string, string>();
  for (const [topic, history] of histories) {
    if (!history.covered) resetTopics.push(topic);
    for (const event of history.events) {
      if (compareIds(event.id, lastEventId) > 0) events.push(event);
    }
    const last = history.events[history.events.length - 1];
    if (last) newest.set(topic, last.id);
  }
  for (const event of held) {
    const floor = newest.get(event.topic) ?? lastEventId;
    if (compareIds(event.id, floor) <= 0) continue;
    events.push(event);
    newest.set(event.topic, event.id);
  }
  events.sort(byId);
  return { resetTopics, events };
}

/** The newest id of each of `topics` that has one (see replayFloors). */
export async function readNewest(bus: Bus, topics: readonly string[]): Promise<Map<string, string>> {
  const withHistory = topics.filter((topic) => topic !== TIME_TOPIC);
  const newest = await Promise.all(withHistory.map((topic) => bus.history(topic, undefined, 1)));
  const ids = new Map<string, string>();
  withHistory.forEach((topic, i) => {
    const id = newest[i]!.events.at(-1)?.id;
    if (id !== undefined) ids.set(topic, id);
  });
  return ids;
}

/**
 * Per topic, the newest id a resumed client has once its replay is written: the
 * last replayed event of the topic, else Last-Event-ID, but never past the topic's
 * newest event (a made-up id would otherwise swallow everything to come).
 * Another instance's bus reader may be ahead of this one's, so older live events
 * can still arrive here; those at or below the floor are not sent again.
 */
export function replayFloors(
  topics: readonly string[],
  lastEventId: string,
  replayed: readonly BusEvent[],
  newest: ReadonlyMap<string, string>,
): Map<string, string> {
  const floors = new Map<string, string>();
  for (const topic of topics) {
    const top = newest.get(topic);
    if (topic !== TIME_TOPIC && top !== undefined) floors.set(topic, compareIds(lastEventId, top) > 0 ? top : lastEventId);
  }
  for (const event of replayed) if (event.topic !== TIME_TOPIC) floors.set(event.topic, event.id);
  return floors;
}
