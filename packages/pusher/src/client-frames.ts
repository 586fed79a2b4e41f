/**
 * What a pusher-js client sends (protocol 7): one JSON object per text frame,
 * `{"event", "data", "channel"?}` (pusher-js Connection.send_event). `decodeClientFrame`
 * never throws: bad input becomes a reason the transport sends back as `pusher:error`.
 */
import { channelInfo, isChannelName } from './channels.js';

/** Pusher caps event names at 200 characters (the pusher SDK refuses longer ones). */
export const MAX_EVENT_NAME_LENGTH = 200;

export type ClientFrame =
  | { type: 'subscribe'; channel: string; auth?: string; channelData?: string }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'ping' }
  | { type: 'pong' }
  | { type: 'signin'; auth: string; userData: string }
  | { type: 'client-event'; channel: string; event: string; data: unknown };

export type DecodeResult = { ok: true; frame: ClientFrame } | { ok: false; reason: string };

const fail = (reason: string): DecodeResult => ({ ok: false, reason });

export function decodeClientFrame(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('Invalid message: not JSON');
  }
  if (!isObject(value)) return fail('Invalid message: expected a JSON object');
  const event = value.event;
  if (typeof event !== 'string' || event === '') return fail('Invalid message: event must be a non-empty string');
  if (event.length > MAX_EVENT_NAME_LENGTH) return fail(`Invalid message: event is over ${MAX_EVENT_NAME_LENGTH} characters`);

  if (event.startsWith('client-')) return decodeClientEvent(event, value);
  // Older clients send the data of pusher: events as a JSON string; take both.
  const data = typeof value.data === 'string' ? parseObject(value.data) : value.data;
  switch (event) {
    case 'pusher:ping':
      return { ok: true, frame: { type: 'ping' } };
    case 'pusher:pong':
      return { ok: true, frame: { type: 'pong' } };
    case 'pusher:subscribe':
      return decodeSubscribe(data);
    case 'pusher:unsubscribe': {
      if (!isObject(data) || !isChannelName(data.channel)) return fail('pusher:unsubscribe needs a valid data.channel');
      return { ok: true, frame: { type: 'unsubscribe', channel: data.channel } };
    }
    case 'pusher:signin': {
      if (!isObject(data)) return fail('pusher:signin needs data {auth, user_data}');
      if (typeof data.auth !== 'string' || data.auth === '') return fail('pusher:signin needs data.auth');
      if (typeof data.user_data !== 'string') return fail('pusher:signin needs data.user_data as a JSON string');
      return { ok: true, frame: { type: 'signin', auth: data.auth, userData: data.user_data } };
    }
    default:
      return fail(`Unsupported event: ${JSON.stringify(event)}`);
  }
}

function decodeSubscribe(data: unknown): DecodeResult {
  if (!isObject(data)) return fail('pusher:subscribe needs data {channel, auth?, channel_data?}');
  const { channel, auth, channel_data: channelData } = data;
  if (!isChannelName(channel)) {
    return fail('Invalid channel name: 1-164 of A-Z a-z 0-9 _ - = @ , . ;');
  }
  // pusher-js sends `auth: ""` and no channel_data for public channels.
  if (auth !== undefined && typeof auth !== 'string') return fail('pusher:subscribe data.auth must be a string');
  if (channelData !== undefined && typeof channelData !== 'string') {
    return fail('pusher:subscribe data.channel_data must be a JSON string');
  }
  const frame: ClientFrame = { type: 'subscribe', channel };
  if (auth !== undefined && auth !== '') frame.auth = auth;
  if (channelData !== undefined) frame.channelData = channelData;
  return { ok: true, frame };
}

function decodeClientEvent(event: string, value: Record<string, unknown>): DecodeResult {
  const channel = value.channel;
  if (!isChannelName(channel)) return fail(`${event} needs a valid channel`);
  if (!channelInfo(channel)?.clientEvents) {
    return fail('Client events are only allowed on private and presence channels (not encrypted ones)');
  }
  if (!('data' in value)) return fail(`${event} needs data`);
  return { ok: true, frame: { type: 'client-event', channel, event, data: value.data } };
}

function parseObject(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
