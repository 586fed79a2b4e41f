import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from './client-frames.js';
import { loadPusherJs, type PusherJsEvent } from './test-pusher-js.js';

const { Protocol } = await loadPusherJs();
// Frames built the way pusher-js's Connection.send_event builds them.
const sent = (event: PusherJsEvent) => decodeClientFrame(Protocol.encodeMessage(event));

describe('decodeClientFrame, on frames pusher-js sends', () => {
  it('subscribe to a public channel (auth "" and no channel_data)', () => {
    expect(sent({ event: 'pusher:subscribe', data: { auth: '', channel_data: undefined, channel: 'orders' } })).toEqual({
      ok: true,
      frame: { type: 'subscribe', channel: 'orders' },
    });
  });

  it('subscribe to a presence channel with auth and channel_data', () => {
    const data = { auth: 'key:abc', channel_data: '{"user_id":"u1"}', channel: 'presence-room' };
    expect(sent({ event: 'pusher:subscribe', data })).toEqual({
      ok: true,
      frame: { type: 'subscribe', channel: 'presence-room', auth: 'key:abc', channelData: '{"user_id":"u1"}' },
    });
  });

  it('subscribe to the server-to-user channel after sign-in', () => {
    expect(sent({ event: 'pusher:subscribe', data: { auth: '', channel: '#server-to-user-u1' } })).toEqual({
      ok: true,
      frame: { type: 'subscribe', channel: '#server-to-user-u1' },
    });
  });

  it('unsubscribe, ping, pong, signin', () => {
    expect(sent({ event: 'pusher:unsubscribe', data: { channel: 'orders' } })).toEqual({
      ok: true,
      frame: { type: 'unsubscribe', channel: 'orders' },
    });
    expect(sent({ event: 'pusher:ping', data: {} })).toEqual({ ok: true, frame: { type: 'ping' } });
    expect(sent({ event: 'pusher:pong', data: {} })).toEqual({ ok: true, frame: { type: 'pong' } });
    expect(sent({ event: 'pusher:signin', data: { auth: 'key:sig', user_data: '{"id":"u1"}' } })).toEqual({
      ok: true,
      frame: { type: 'signin', auth: 'key:sig', userData: '{"id":"u1"}' },
    });
  });

  it('client events keep their data as sent', () => {
    expect(sent({ event: 'client-typing', data: { on: true }, channel: 'private-chat' })).toEqual({
      ok: true,
      frame: { type: 'client-event', channel: 'private-chat', event: 'client-typing', data: { on: true } },
    });
    expect(sent({ event: 'client-x', data: 'text', channel: 'presence-chat' })).toMatchObject({ ok: true, frame: { data: 'text' } });
  });

  it('takes pusher: data sent as a JSON string too', () => {
    expect(decodeClientFrame('{"event":"pusher:subscribe","data":"{\\"channel\\":\\"a\\"}"}')).toEqual({
      ok: true,
      frame: { type: 'subscribe', channel: 'a' },
    });
  });
});

describe('decodeClientFrame refuses bad input with a reason, never a throw', () => {
  it.each([
    ['', 'Invalid message: not JSON'],
    ['{', 'Invalid message: not JSON'],
    ['[]', 'Invalid message: expected a JSON object'],
    ['null', 'Invalid message: expected a JSON object'],
    ['{"data":{}}', 'Invalid message: event must be a non-empty string'],
    [JSON.stringify({ event: `client-${'x'.repeat(200)}`, channel: 'private-a', data: 1 }), 'Invalid message: event is over 200 characters'],
    ['{"event":"pusher:subscribe"}', 'pusher:subscribe needs data {channel, auth?, channel_data?}'],
    ['{"event":"pusher:subscribe","data":"not json"}', 'pusher:subscribe needs data {channel, auth?, channel_data?}'],
    ['{"event":"pusher:subscribe","data":{"channel":"a b"}}', 'Invalid channel name: 1-164 of A-Z a-z 0-9 _ - = @ , . ;'],
    [JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'x'.repeat(165) } }), 'Invalid channel name: 1-164 of A-Z a-z 0-9 _ - = @ , . ;'],
    ['{"event":"pusher:subscribe","data":{"channel":"a","auth":1}}', 'pusher:subscribe data.auth must be a string'],
    ['{"event":"pusher:subscribe","data":{"channel":"presence-a","channel_data":{}}}', 'pusher:subscribe data.channel_data must be a JSON string'],
    ['{"event":"pusher:unsubscribe","data":{}}', 'pusher:unsubscribe needs a valid data.channel'],
    ['{"event":"pusher:signin","data":{"user_data":"{}"}}', 'pusher:signin needs data.auth'],
    ['{"event":"pusher:signin","data":{"auth":"k:s","user_data":{}}}', 'pusher:signin needs data.user_data as a JSON string'],
    ['{"event":"pusher:signin"}', 'pusher:signin needs data {auth, user_data}'],
    ['{"event":"pusher_internal:member_added","data":{}}', 'Unsupported event: "pusher_internal:member_added"'],
    ['{"event":"my-event","data":{}}', 'Unsupported event: "my-event"'],
    ['{"event":"client-x","data":1}', 'client-x needs a valid channel'],
    ['{"event":"client-x","channel":"orders","data":1}', 'Client events are only allowed on private and presence channels (not encrypted ones)'],
    ['{"event":"client-x","channel":"private-encrypted-a","data":1}', 'Client events are only allowed on private and presence channels (not encrypted ones)'],
    ['{"event":"client-x","channel":"private-a"}', 'client-x needs data'],
  ])('%s', (text, reason) => {
    expect(decodeClientFrame(text)).toEqual({ ok: false, reason });
  });

  it('survives odd JSON: __proto__ keys, deep nesting, huge numbers', () => {
    expect(decodeClientFrame('{"__proto__":{"event":"pusher:ping"}}').ok).toBe(false);
    expect(decodeClientFrame(`{"event":"client-a","channel":"private-a","data":${'['.repeat(5000)}${']'.repeat(5000)}}`).ok).toBe(true);
    expect(decodeClientFrame('{"event":1e999}').ok).toBe(false);
  });
});
