import { parseId } from '@herald/protocol';

/**
 * Limits on topics, the same for every bus, so one client cannot make an instance
 * hold (or read) without bound: idle topics are forgotten after `topicTtlMs`, and an
 * instance subscribes to at most `maxTopics` distinct topics.
 */
export const TOPIC_LIMIT_DEFAULTS = {
  /** TOPIC_TTL_MS: 24 h. */
  topicTtlMs: 24 * 60 * 60 * 1000,
  /** MAX_TOPICS: 10,000 distinct subscribed topics per instance. */
  maxTopics: 10_000,
} as const;

export interface TopicLimitOptions {
  /** A topic with no subscriber and no publish for this long is forgotten (ms); default 24 h. */
  topicTtlMs?: number;
  /** Distinct topics this instance may subscribe to at once; default 10,000. */
  maxTopics?: number;
}

/**
 * Subscribing to one more distinct topic would pass `maxTopics`. Nothing was
 * subscribed; callers answer "try again later" (HTTP 503), not a crash.
 */
export class TopicLimitError extends Error {
  readonly code = 'TOPIC_LIMIT';

  constructor(readonly maxTopics: number) {
    super(`this instance already holds its ${maxTopics} topics (MAX_TOPICS): subscribe refused`);
    this.name = 'TopicLimitError';
  }
}

/** Checked, defaulted limits; a bad option throws before anything runs. */
export function topicLimits(o: TopicLimitOptions): Required<TopicLimitOptions> {
  const { topicTtlMs = TOPIC_LIMIT_DEFAULTS.topicTtlMs, maxTopics = TOPIC_LIMIT_DEFAULTS.maxTopics } = o;
  // 2^31-1 ms is the longest setTimeout/setInterval delay Node honours.
  if (!Number.isSafeInteger(topicTtlMs) || topicTtlMs < 10 || topicTtlMs > 2 ** 31 - 1) {
    throw new RangeError('topicTtlMs must be an integer from 10 to 2147483647');
  }
  if (!Number.isSafeInteger(maxTopics) || maxTopics < 1) {
    throw new RangeError('maxTopics must be a positive integer');
  }
  return { topicTtlMs, maxTopics };
}

/**
 * How often idle topics are swept (memory) or live ones refreshed (Redis): a
 * quarter of the TTL, so a refresh late by most of a period still lands in time,
 * and at most `capMs` apart.
 */
export function sweepIntervalMs(topicTtlMs: number, capMs = Infinity): number {
  return Math.max(5, Math.min(Math.floor(topicTtlMs / 4), capMs));
}

/**
 * Whether a resume after `after` is exact for a topic that does not exist (now).
 * A topic expires `topicTtlMs` after its last publish at the earliest, so if it had
 * any event after `after` (published at or after `after`'s time), it cannot have
 * expired before `after` + TTL: a missing topic is then truly empty past `after`.
 * Later than that, it may have been forgotten with events the client never got, so
 * the answer is "not covered" (`reset` / `recovered:false`): conservative, never
 * silently wrong, and no tombstone kept per forgotten topic. Ids carry their
 * millisecond, and every bus issues them from a clock close to this one.
 */
export function missingTopicCovered(after: string, topicTtlMs: number, now = Date.now()): boolean {
  const parsed = parseId(after);
  return parsed !== undefined && now - parsed.ms < topicTtlMs;
}
