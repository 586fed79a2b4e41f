/**
 * The bodies of `POST /apps/{id}/events` and `/batch_events`, checked as Pusher does
 * (https://pusher.com/docs/channels/library_auth_reference/rest-api/#events): every
 * limit is checked before anything is published, so a request is refused whole.
 */
import { isChannelName, isSocketId } from '@herald/pusher';
import { HttpError, type HttpStatus } from '@herald/server-kit';

/** Pusher's fixed limits. */
export const MAX_EVENT_CHANNELS = 100;
export const MAX_BATCH_EVENTS = 10;
export const MAX_EVENT_NAME_LENGTH = 200;

export interface ApiEvent {
  readonly name: string;
  /** Relayed as given: Pusher's `data` is a string (the SDKs JSON-encode objects). */
  readonly data: string;
  readonly channels: readonly string[];
  /** The socket that must not receive it (the sender's own connection). */
  readonly socketId?: string | undefined;
}

/** A refusal, with the `herald_limit_refusals_total` label when a limit caused it. */
export class ApiRefusal extends HttpError {
  constructor(
    status: HttpStatus,
    message: string,
    readonly limit?: string,
  ) {
    super(status, message);
  }
}

const bad = (message: string) => new ApiRefusal(400, message);

function parseJson(body: unknown): Record<string, unknown> {
  if (!Buffer.isBuffer(body) || body.length === 0) throw bad('the body must be a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw bad('the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('the body must be a JSON object');
  return value as Record<string, unknown>;
}

function checkEvent(raw: unknown, where: string, maxDataBytes: number, channelsAllowed: boolean): ApiEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(`${where || 'the body'} must be a JSON object`);
  const { name, data, channel, channels, socket_id: socketId } = raw as Record<string, unknown>;
  const field = (key: string) => `${where}${key}`;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME_LENGTH) {
    throw bad(`${field('name')} must be a string of 1-${MAX_EVENT_NAME_LENGTH} characters`);
  }
  if (typeof data !== 'string') throw bad(`${field('data')} must be a string (JSON-encode objects, as the Pusher SDKs do)`);
  const bytes = Buffer.byteLength(data);
  if (bytes > maxDataBytes) {
    throw new ApiRefusal(413, `${field('data')} is ${bytes} bytes, over the limit of ${maxDataBytes} (PUSHER_MAX_EVENT_DATA_BYTES)`, 'pusher_event_data');
  }
  let list: unknown[];
  const many = channels !== undefined && channelsAllowed;
  if (many) {
    if (channel !== undefined) throw bad(`give ${field('channel')} or ${field('channels')}, not both`);
    if (!Array.isArray(channels) || channels.length === 0) throw bad(`${field('channels')} must be a non-empty list of channel names`);
    if (channels.length > MAX_EVENT_CHANNELS) {
      throw new ApiRefusal(400, `${field('channels')} has ${channels.length} channels, over Pusher's limit of ${MAX_EVENT_CHANNELS} per event`, 'pusher_event_channels');
    }
    list = channels;
  } else if (channel !== undefined) {
    list = [channel];
  } else {
    throw bad(channelsAllowed ? `${field('channels')} (or ${field('channel')}) is required` : `${field('channel')} is required`);
  }
  list.forEach((c, i) => {
    if (!isChannelName(c)) throw bad(`${field(many ? `channels[${i}]` : 'channel')} is not a valid channel name: ${JSON.stringify(c)}`);
  });
  if (socketId !== undefined && !isSocketId(socketId)) throw bad(`${field('socket_id')} must be a socket id like "123.456"`);
  return { name, data, channels: [...new Set(list as string[])], socketId };
}

export function parseEventsBody(body: unknown, maxDataBytes: number): ApiEvent {
  return checkEvent(parseJson(body), '', maxDataBytes, true);
}

export function parseBatchBody(body: unknown, maxDataBytes: number): ApiEvent[] {
  const { batch } = parseJson(body);
  if (!Array.isArray(batch)) throw bad('batch must be a list of events {name, channel, data, socket_id?}');
  if (batch.length > MAX_BATCH_EVENTS) {
    throw new ApiRefusal(400, `batch has ${batch.length} events, over Pusher's limit of ${MAX_BATCH_EVENTS}`, 'pusher_batch_events');
  }
  return batch.map((item, i) => checkEvent(item, `batch[${i}].`, maxDataBytes, false));
}
