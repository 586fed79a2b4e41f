import { describe, expect, it } from 'vitest';
import { channelInfo, isChannelName, serverToUserChannel, serverToUserId } from './channels.js';

describe('channel names', () => {
  it('accepts the whole Pusher charset up to 164 characters', () => {
    expect(isChannelName('Az09_-=@,.;')).toBe(true);
    expect(isChannelName('x'.repeat(164))).toBe(true);
    expect(isChannelName('x'.repeat(165))).toBe(false);
  });

  it.each(['', 'a b', 'a/b', 'a:b', 'a#b', 'é', 'a\nb', '#server-to-user-', 42, null])('refuses %j', (name) => {
    expect(isChannelName(name)).toBe(false);
    expect(typeof name === 'string' ? channelInfo(name) : undefined).toBeUndefined();
  });

  it('knows the server-to-user channel of a signed-in user', () => {
    expect(serverToUserChannel('u-1')).toBe('#server-to-user-u-1');
    expect(serverToUserId('#server-to-user-u 1')).toBe('u 1');
    expect(serverToUserId('private-x')).toBeUndefined();
    expect(channelInfo('#server-to-user-7')).toMatchObject({ kind: 'server-to-user', needsAuth: false, clientEvents: false });
  });
});

describe('channelInfo', () => {
  it.each([
    ['orders', 'public', false, false, false, false],
    ['private-orders', 'private', true, false, false, true],
    ['presence-room', 'presence', true, true, false, true],
    ['private-encrypted-x', 'private-encrypted', true, false, false, false],
    ['cache-x', 'cache', false, false, true, false],
    ['private-cache-x', 'private-cache', true, false, true, true],
    ['presence-cache-x', 'presence-cache', true, true, true, true],
    ['private-encrypted-cache-x', 'private-encrypted-cache', true, false, true, false],
    // A prefix is a prefix, not a substring.
    ['my-private-x', 'public', false, false, false, false],
    ['cached', 'public', false, false, false, false],
  ] as const)('%s is %s', (name, kind, needsAuth, presence, cache, clientEvents) => {
    expect(channelInfo(name)).toEqual({ kind, needsAuth, presence, cache, clientEvents });
  });
});
