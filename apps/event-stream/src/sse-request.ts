import { isId, isTopicName, NAME_RULES, TIME_TOPIC } from '@herald/protocol';
import { badRequest } from '@herald/server-kit';

/** Topics one stream may subscribe to: bounds the work one request can cause. */
export const MAX_TOPICS_PER_STREAM = 32;

export interface StreamRequest {
  topics: string[];
  /** Resume after this id; undefined for a fresh stream. */
  lastEventId: string | undefined;
}

type Query = Record<string, string | string[] | undefined>;

/** Long garbage is cut before it is echoed in an error message. */
function shown(value: string): string {
  return JSON.stringify(value.length > 140 ? `${value.slice(0, 140)}…` : value);
}

function readTopics(raw: string | string[] | undefined): string[] {
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const topics = new Set<string>();
  for (const value of values) {
    for (const topic of value.split(',')) {
      if (!isTopicName(topic)) {
        throw badRequest(
          `topic ${shown(topic)} is not a valid topic name: ${NAME_RULES.topic}`,
        );
      }
      topics.add(topic);
    }
  }
  if (topics.size > MAX_TOPICS_PER_STREAM) {
    throw badRequest(`a stream takes at most ${MAX_TOPICS_PER_STREAM} topics, got ${topics.size}`);
  }
  return topics.size === 0 ? [TIME_TOPIC] : [...topics];
}

function readLastEventId(header: string | string[] | undefined, query: string | string[] | undefined): string | undefined {
  // EventSource re-sends the header on every reconnect, so it beats the query
  // parameter the page put in the URL for its first connect.
  const fromHeader = Array.isArray(header) ? header.join(',') : header;
  const [value, source] =
    fromHeader !== undefined && fromHeader !== '' ? [fromHeader, 'Last-Event-ID header'] : [query, 'lastEventId parameter'];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) throw badRequest('lastEventId must be given once');
  if (!isId(value)) throw badRequest(`${source} ${shown(value)} is not an event id like 1732560000000-0`);
  return value;
}

export function parseStreamRequest(query: Query, lastEventIdHeader: string | string[] | undefined): StreamRequest {
  return {
    topics: readTopics(query.topic),
    lastEventId: readLastEventId(lastEventIdHeader, query.lastEventId),
  };
}
