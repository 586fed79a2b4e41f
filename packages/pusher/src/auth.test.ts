import Pusher from 'pusher';
import { describe, expect, it } from 'vitest';
import type { PusherApp } from './apps.js';
import { channelAuth, userAuth, verifyChannelAuth, verifySignin } from './auth.js';

const app: PusherApp = { id: '42', key: 'app-key', secret: 'app-secret-0123' };
const sdk = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1' });
const wrongSecret = new Pusher({ appId: app.id, key: app.key, secret: 'another-secret', host: '127.0.0.1' });
const socketId = '123.456';

describe('channel auth against the pusher SDK', () => {
  it('accepts authorizeChannel for a private channel', () => {
    const { auth } = sdk.authorizeChannel(socketId, 'private-orders');
    expect(auth).toBe(channelAuth(app, socketId, 'private-orders'));
    expect(verifyChannelAuth(app, { socketId, channel: 'private-orders', auth })).toEqual({ ok: true, value: undefined });
  });

  it('accepts authorizeChannel for a presence channel with its channel_data', () => {
    const signed = sdk.authorizeChannel(socketId, 'presence-room', { user_id: 'u1', user_info: { name: 'Ann' } });
    expect(signed.channel_data).toBe('{"user_id":"u1","user_info":{"name":"Ann"}}');
    const request = { socketId, channel: 'presence-room', auth: signed.auth, channelData: signed.channel_data };
    expect(verifyChannelAuth(app, request).ok).toBe(true);
    // The signature covers channel_data: another user cannot be slipped in.
    expect(verifyChannelAuth(app, { ...request, channelData: '{"user_id":"admin"}' }).ok).toBe(false);
  });

  it('refuses a wrong secret, another socket id, another channel', () => {
    const forged = wrongSecret.authorizeChannel(socketId, 'private-orders').auth;
    expect(verifyChannelAuth(app, { socketId, channel: 'private-orders', auth: forged })).toEqual({
      ok: false,
      reason: 'Invalid signature: the auth signature does not match this socket and channel',
    });
    const { auth } = sdk.authorizeChannel(socketId, 'private-orders');
    expect(verifyChannelAuth(app, { socketId: '123.457', channel: 'private-orders', auth }).ok).toBe(false);
    expect(verifyChannelAuth(app, { socketId, channel: 'private-orderz', auth }).ok).toBe(false);
  });

  it.each([
    [undefined, 'Missing auth signature'],
    ['', 'Missing auth signature'],
    [42, 'Missing auth signature'],
    ['no-colon', 'Invalid auth: expected "<key>:<signature>"'],
    ['other-key:abc', 'Invalid key in auth signature'],
    ['app-key:', 'Invalid signature: the auth signature does not match this socket and channel'],
    ['app-key:zz', 'Invalid signature: the auth signature does not match this socket and channel'],
  ])('refuses auth %j with "%s"', (auth, reason) => {
    expect(verifyChannelAuth(app, { socketId, channel: 'private-x', auth })).toEqual({ ok: false, reason });
  });
});

describe('user sign-in against the pusher SDK', () => {
  it('accepts authenticateUser and returns the user', () => {
    const signed = sdk.authenticateUser(socketId, { id: 'u1', user_info: { name: 'Ann' } });
    expect(signed.auth).toBe(userAuth(app, socketId, signed.user_data));
    expect(verifySignin(app, { socketId, auth: signed.auth, userData: signed.user_data })).toEqual({
      ok: true,
      value: { id: 'u1', data: { id: 'u1', user_info: { name: 'Ann' } } },
    });
  });

  it('refuses a wrong secret, another socket and tampered user_data', () => {
    const forged = wrongSecret.authenticateUser(socketId, { id: 'u1' });
    expect(verifySignin(app, { socketId, auth: forged.auth, userData: forged.user_data }).ok).toBe(false);
    const signed = sdk.authenticateUser(socketId, { id: 'u1' });
    expect(verifySignin(app, { socketId: '1.1', auth: signed.auth, userData: signed.user_data }).ok).toBe(false);
    expect(verifySignin(app, { socketId, auth: signed.auth, userData: '{"id":"admin"}' }).ok).toBe(false);
  });

  it.each([
    [undefined, 'Missing user_data'],
    ['not json', 'Invalid user_data: not JSON'],
    ['[1]', 'Invalid user_data: expected a JSON object'],
    ['{"id":7}', 'Invalid user_data: id must be a string of 1-128 characters'],
    ['{"id":""}', 'Invalid user_data: id must be a string of 1-128 characters'],
  ])('refuses correctly signed but bad user_data %j', (userData, reason) => {
    const auth = typeof userData === 'string' ? userAuth(app, socketId, userData) : 'app-key:00';
    expect(verifySignin(app, { socketId, auth, userData })).toEqual({ ok: false, reason });
  });
});
