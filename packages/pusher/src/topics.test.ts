import { isTopicName } from '@herald/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isChannelName, serverToUserChannel } from './channels.js';
import {
  MAX_CHANNEL_TOPIC_LENGTH,
  appControlTopic,
  channelTopic,
  channelTopicPrefix,
  escapeChannel,
  parseChannelTopic,
  unescapeChannel,
} from './topics.js';

const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=@,.;';
const channelName = fc
  .array(fc.constantFrom(...CHARSET), { minLength: 1, maxLength: 164 })
  .map((chars) => chars.join(''));
const appId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
// eslint-disable-next-line no-control-regex
const userId = fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));

describe('channelTopic', () => {
  it('keeps common names readable', () => {
    expect(channelTopic('1', 'private-orders.1')).toBe('pusher.1.private-orders.1');
    expect(channelTopic('app', 'presence-room=a@b,c;d')).toBe('pusher.app.presence-room:ea:ab:cc:sd');
    expect(channelTopic('1', serverToUserChannel('é'))).toBe('pusher.1.:hserver-to-user-:u0000e9');
  });

  it('round-trips every valid channel name', () => {
    fc.assert(
      fc.property(appId, channelName, (app, channel) => {
        const topic = channelTopic(app, channel);
        expect(parseChannelTopic(topic)).toEqual({ appId: app, channel });
        expect(topic.length).toBeLessThanOrEqual(MAX_CHANNEL_TOPIC_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips server-to-user channels of any user id', () => {
    fc.assert(
      fc.property(userId, (id) => {
        const channel = serverToUserChannel(id);
        expect(isChannelName(channel)).toBe(true);
        expect(parseChannelTopic(channelTopic('1', channel))).toEqual({ appId: '1', channel });
      }),
    );
  });

  it('is injective: different (app, channel) pairs never share a topic', () => {
    fc.assert(
      fc.property(appId, channelName, appId, channelName, (a1, c1, a2, c2) => {
        fc.pre(a1 !== a2 || c1 !== c2);
        expect(channelTopic(a1, c1)).not.toBe(channelTopic(a2, c2));
      }),
      { numRuns: 2000 },
    );
    // Near-collisions a naive escape would merge.
    const near = ['a=b', 'a:eb', 'a.b', 'a-b', 'a@b', 'ab', 'a,b', 'a;b'].filter(isChannelName);
    expect(new Set(near.map((c) => channelTopic('1', c))).size).toBe(near.length);
  });

  it('gives Herald topic names (SSE-readable) whenever they fit in 128 characters', () => {
    fc.assert(
      fc.property(appId, channelName, (app, channel) => {
        const topic = channelTopic(app, channel);
        fc.pre(topic.length <= 128);
        expect(isTopicName(topic)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the worst case is what MAX_CHANNEL_TOPIC_LENGTH says', () => {
    expect(channelTopic('a'.repeat(64), '@'.repeat(164)).length).toBe(MAX_CHANNEL_TOPIC_LENGTH);
  });

  it('refuses invalid names and app ids instead of mapping them', () => {
    expect(() => channelTopic('1', 'has space')).toThrow('not a Pusher channel name');
    expect(() => channelTopic('1', 'x'.repeat(165))).toThrow('not a Pusher channel name');
    expect(() => channelTopic('1', '')).toThrow('not a Pusher channel name');
    expect(() => channelTopic('a.b', 'c')).toThrow('not a Pusher app id');
  });
});

describe('parseChannelTopic', () => {
  it.each([
    'chat.lobby',
    'pusher.',
    'pusher.1',
    'pusher.1.',
    'pusher..x',
    'pusher.1.a:q',
    'pusher.1.a:u00003d', // non-canonical `=`
    'pusher.1.a:u11ffff',
    'pusher.1.a:u00e9', // short hex
    'pusher.1.a b',
    'pusher.1.:hnot-server-to-user',
  ])('refuses %s', (topic) => {
    expect(parseChannelTopic(topic)).toBeUndefined();
  });

  it('unescape only accepts what escape produces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const channel = unescapeChannel(text);
        if (channel !== undefined) expect(escapeChannel(channel)).toBe(text);
      }),
    );
  });
});

describe('channelTopicPrefix', () => {
  it('a channel starts with the prefix exactly when its topic starts with the prefix topic', () => {
    fc.assert(
      fc.property(channelName, channelName, (channel, other) => {
        const prefix = channel.slice(0, Math.ceil(channel.length / 2));
        expect(channelTopic('1', channel).startsWith(channelTopicPrefix('1', prefix))).toBe(true);
        expect(channelTopic('1', other).startsWith(channelTopicPrefix('1', prefix))).toBe(other.startsWith(prefix));
      }),
      { numRuns: 1000 },
    );
    expect(channelTopicPrefix('1', '')).toBe('pusher.1.');
    expect(channelTopicPrefix('1', 'presence-a=')).toBe('pusher.1.presence-a:e');
  });
});

describe('appControlTopic', () => {
  it('is a valid Herald topic that no channel maps to', () => {
    const topic = appControlTopic('app1');
    expect(isTopicName(topic)).toBe(true);
    expect(parseChannelTopic(topic)).toBeUndefined();
    fc.assert(fc.property(channelName, (channel) => channelTopic('app1', channel) !== topic));
    expect(appControlTopic('app1')).not.toBe(appControlTopic('app2'));
  });
});
