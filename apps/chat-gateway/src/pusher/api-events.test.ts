import { describe, expect, it } from 'vitest';
import { ApiRefusal, parseBatchBody, parseEventsBody } from './api-events.js';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

function refusal(parse: () => unknown): { status: number; message: string; limit?: string } {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof ApiRefusal)) throw err;
    return { status: err.statusCode, message: err.message, ...(err.limit ? { limit: err.limit } : {}) };
  }
  throw new Error('expected a refusal');
}

describe('parseEventsBody', () => {
  it('reads channel or channels (each once), data as given, socket_id', () => {
    expect(parseEventsBody(body({ name: 'e', data: '{"a":1}', channel: 'c' }), 100)).toEqual({ name: 'e', data: '{"a":1}', channels: ['c'], socketId: undefined });
    expect(parseEventsBody(body({ name: 'e', data: '', channels: ['a', 'b', 'a'], socket_id: '1.2' }), 100)).toEqual({
      name: 'e',
      data: '',
      channels: ['a', 'b'],
      socketId: '1.2',
    });
  });

  it('counts data in UTF-8 bytes: exactly at the limit passes, one byte over is 413', () => {
    expect(parseEventsBody(body({ name: 'e', data: 'é'.repeat(5), channel: 'c' }), 10).data).toBe('ééééé');
    expect(refusal(() => parseEventsBody(body({ name: 'e', data: 'é'.repeat(5) + 'x', channel: 'c' }), 10))).toEqual({
      status: 413,
      message: 'data is 11 bytes, over the limit of 10 (PUSHER_MAX_EVENT_DATA_BYTES)',
      limit: 'pusher_event_data',
    });
  });

  it.each([
    ['', 'the body must be a JSON object'],
    ['[1]', 'the body must be a JSON object'],
    ['{"name":', 'the body is not valid JSON'],
    [{ name: 'x'.repeat(201), data: '', channel: 'c' }, 'name must be a string of 1-200 characters'],
    [{ name: 'e', data: '', channel: 'c', channels: ['d'] }, 'give channel or channels, not both'],
    [{ name: 'e', data: '', channels: [] }, 'channels must be a non-empty list of channel names'],
    [{ name: 'e', data: '', channel: 'x'.repeat(165) }, `channel is not a valid channel name: "${'x'.repeat(165)}"`],
  ])('refuses %j with a 400 saying why', (input, message) => {
    expect(refusal(() => parseEventsBody(body(input), 100))).toEqual({ status: 400, message });
  });

  it('takes exactly 100 channels and refuses 101', () => {
    const channels = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
    expect(parseEventsBody(body({ name: 'e', data: '', channels: channels(100) }), 100).channels).toHaveLength(100);
    expect(refusal(() => parseEventsBody(body({ name: 'e', data: '', channels: channels(101) }), 100)).limit).toBe('pusher_event_channels');
  });
});

describe('parseBatchBody', () => {
  it('reads up to 10 events, each with one channel, and names the bad item', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ name: 'e', data: String(i), channel: `c${i}` }));
    expect(parseBatchBody(body({ batch: items }), 100).map((e) => e.channels)).toEqual(items.map((i) => [i.channel]));
    expect(parseBatchBody(body({ batch: [] }), 100)).toEqual([]);
    expect(refusal(() => parseBatchBody(body({ batch: [...items, items[0]] }), 100))).toEqual({
      status: 400,
      message: "batch has 11 events, over Pusher's limit of 10",
      limit: 'pusher_batch_events',
    });
    // A batch item names one channel, as in Pusher's API.
    expect(refusal(() => parseBatchBody(body({ batch: [items[0], { name: 'e', data: '', channels: ['a'] }] }), 100)).message).toBe(
      'batch[1].channel is required',
    );
    expect(refusal(() => parseBatchBody(body({ batch: 'x' }), 100)).message).toBe('batch must be a list of events {name, channel, data, socket_id?}');
  });
});
