import { describe, expect, it } from 'vitest';
import { presenceData } from './presence.js';
import * as frames from './server-frames.js';
import { loadPusherJs } from './test-pusher-js.js';

const { Protocol, Members } = await loadPusherJs();
const read = (text: string) => Protocol.decodeMessage({ data: text });

describe('server frames, read by pusher-js', () => {
  it('connection_established is a handshake pusher-js accepts', () => {
    const text = frames.connectionEstablished('123.456', 120);
    expect(text).toBe('{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"123.456\\",\\"activity_timeout\\":120}"}');
    expect(Protocol.processHandshake({ data: text })).toEqual({ action: 'connected', id: '123.456', activityTimeout: 120_000 });
  });

  it('a pusher:error before the handshake is refused with its code', () => {
    const result = Protocol.processHandshake({ data: frames.pusherError('Application does not exist', 4001) });
    expect(result.action).toBe('refused');
    expect(result.error).toEqual({ type: 'PusherError', data: { code: 4001, message: 'Application does not exist' } });
  });

  it('pusher:error carries an object; a bare error has code null', () => {
    expect(read(frames.pusherError('bad frame'))).toEqual({ event: 'pusher:error', data: { code: null, message: 'bad frame' } });
  });

  it('ping and pong', () => {
    expect(read(frames.pong())).toEqual({ event: 'pusher:pong', data: {} });
    expect(read(frames.ping())).toEqual({ event: 'pusher:ping', data: {} });
  });

  it('subscription_succeeded of a presence channel fills pusher-js members', () => {
    const presence = presenceData([{ user_id: 'a', user_info: { name: 'Ann' } }, { user_id: 'b' }, { user_id: 'a' }]);
    const event = read(frames.subscriptionSucceeded('presence-room', presence));
    expect(event).toMatchObject({ event: 'pusher_internal:subscription_succeeded', channel: 'presence-room' });
    const members = new Members();
    members.setMyID('b');
    members.onSubscription(event.data);
    expect(members.count).toBe(2);
    expect(members.get('a')).toEqual({ id: 'a', info: { name: 'Ann' } });
    expect(members.me).toEqual({ id: 'b', info: null });

    const added = read(frames.memberAdded('presence-room', { user_id: 'c', user_info: { name: 'Cy' } }));
    expect(added.event).toBe('pusher_internal:member_added');
    expect(members.addMember(added.data)).toEqual({ id: 'c', info: { name: 'Cy' } });
    const removed = read(frames.memberRemoved('presence-room', 'a'));
    expect(removed.event).toBe('pusher_internal:member_removed');
    expect(members.removeMember(removed.data)).toEqual({ id: 'a', info: { name: 'Ann' } });
    expect(members.count).toBe(2);
  });

  it('subscription_succeeded of other channels has empty data', () => {
    expect(read(frames.subscriptionSucceeded('private-x'))).toEqual({
      event: 'pusher_internal:subscription_succeeded',
      channel: 'private-x',
      data: {},
    });
  });

  it('subscription_error is a channel event with the AuthError shape', () => {
    expect(read(frames.subscriptionError('private-x', 'Invalid signature'))).toEqual({
      event: 'pusher:subscription_error',
      channel: 'private-x',
      data: { type: 'AuthError', error: 'Invalid signature', status: 401 },
    });
  });

  it('signin_success hands back the signed user_data string', () => {
    const event = read(frames.signinSuccess('{"id":"u1"}'));
    expect(event).toEqual({ event: 'pusher:signin_success', data: { user_data: '{"id":"u1"}' } });
  });

  it('channel events: JSON data reaches the app parsed, text stays text, user_id on presence', () => {
    expect(read(frames.channelEvent({ channel: 'orders', event: 'created', data: '{"id":1}' }))).toEqual({
      event: 'created',
      channel: 'orders',
      data: { id: 1 },
    });
    expect(read(frames.channelEvent({ channel: 'orders', event: 'note', data: 'plain text' })).data).toBe('plain text');
    const whisper = read(frames.channelEvent({ channel: 'presence-r', event: 'client-typing', data: { on: true }, userId: 'u1' }));
    expect(whisper).toEqual({ event: 'client-typing', channel: 'presence-r', data: { on: true }, user_id: 'u1' });
  });

  it('cache_miss and subscription_count', () => {
    expect(read(frames.cacheMiss('cache-x'))).toEqual({ event: 'pusher:cache_miss', channel: 'cache-x', data: {} });
    expect(read(frames.subscriptionCount('x', 3)).data).toEqual({ subscription_count: 3 });
  });
});
