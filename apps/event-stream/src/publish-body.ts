import { isEventName, isTopicName, NAME_RULES, TIME_TOPIC } from '@herald/protocol';
import { badRequest } from '@herald/server-kit';

export interface PublishItem {
  topic: string;
  /** The JSON text of `data`, serialized once here and sent as-is to every stream. */
  data: string;
  event?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON.parse takes nesting of any depth within the body limit, but JSON.stringify
 * recurses and throws a RangeError past a few thousand levels: that is the
 * client's input, so a 400, not a 500.
 */
function serialize(data: unknown, where: string): string {
  try {
    return JSON.stringify(data);
  } catch (err) {
    if (err instanceof RangeError) throw badRequest(`${where}data is nested too deeply`);
    throw err;
  }
}

function readItem(value: unknown, where: string): PublishItem {
  if (!isObject(value)) throw badRequest(`${where}must be an object {"topic","data","event"?}`);
  const { topic, data, event } = value;
  if (!isTopicName(topic)) {
    throw badRequest(`${where}topic must be ${NAME_RULES.topic}`);
  }
  if (topic === TIME_TOPIC) throw badRequest(`${where}topic "${TIME_TOPIC}" is built in and cannot be published to`);
  if (data === undefined) throw badRequest(`${where}data is required (any JSON value)`);
  if (event !== undefined && !isEventName(event)) {
    throw badRequest(`${where}event must be ${NAME_RULES.event}`);
  }
  const item: PublishItem = { topic, data: serialize(data, where) };
  if (event !== undefined) item.event = event;
  return item;
}

/**
 * Checks a whole POST /publish body before anything is published: one object, or
 * a non-empty array of them published in order.
 */
export function parsePublishBody(body: unknown): { items: PublishItem[]; batch: boolean } {
  if (Array.isArray(body)) {
    if (body.length === 0) throw badRequest('an empty batch publishes nothing');
    return { items: body.map((item, i) => readItem(item, `[${i}]: `)), batch: true };
  }
  if (body === undefined || body === null) throw badRequest('a JSON body {"topic","data","event"?} is required');
  return { items: [readItem(body, '')], batch: false };
}
