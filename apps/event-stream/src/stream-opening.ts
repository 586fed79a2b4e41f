import type { Bus, BusEvent, History } from '@herald/bus';
import { encodeReset, planResume, TIME_TOPIC, topicsNeedingNewest, withHeld, type ResumePlan } from '@herald/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { encodeBusEvent } from './frames.js';

/**
 * The bus reads of one stream's start, owned by the hub: after the hub has
 * subscribed (events arriving meanwhile are held), what a resume after
 * Last-Event-ID needs, planned by @herald/protocol's resume core.
 */

/** History after `after` for every topic that keeps one (`time` has none), then the plan. */
export async function readResumePlan(bus: Bus, topics: readonly string[], after: string | undefined): Promise<ResumePlan<BusEvent>> {
  const histories = new Map<string, History>();
  if (after === undefined) return planResume({ after, histories });
  const withHistory = topics.filter((topic) => topic !== TIME_TOPIC);
  const read = await Promise.all(withHistory.map((topic) => bus.history(topic, after)));
  withHistory.forEach((topic, i) => histories.set(topic, read[i]!));
  const quiet = topicsNeedingNewest(after, histories);
  if (quiet.length === 0) return planResume({ after, histories });
  const newestRead = await Promise.all(quiet.map((topic) => bus.history(topic, undefined, 1)));
  const newest = new Map<string, string>();
  quiet.forEach((topic, i) => {
    const id = newestRead[i]!.events.at(-1)?.id;
    if (id !== undefined) newest.set(topic, id);
  });
  return planResume({ after, histories, newest });
}

export interface ReplayText {
  /** The `reset` notice if any, then every event to send before going live. */
  readonly text: string;
  /** Events in `text`. */
  readonly sent: number;
}

/**
 * What a stream writes before going live: `reset` for topics history no longer
 * covers, then the replay merged with the held events the client lacks (which
 * advances `plan.floors`).
 */
export function replayText(
  plan: ResumePlan<BusEvent>,
  after: string | undefined,
  held: readonly BusEvent[],
  log: FastifyBaseLogger,
): ReplayText {
  let text = after !== undefined && plan.reset.length > 0 ? encodeReset(plan.reset, after) : '';
  let sent = 0;
  for (const event of withHeld(plan, held)) {
    try {
      text += encodeBusEvent(event);
      sent += 1;
    } catch (err) {
      log.warn({ err, topic: event.topic, id: event.id }, 'unencodable event skipped');
    }
  }
  return { text, sent };
}
