import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_POLICY, OPEN_ACCESS, accessFor, type AccessPolicy } from './access.js';
import type { HeraldClaim } from './claims.js';

type Right = 'join' | 'subscribe' | 'publish';
const ask = (access: ReturnType<typeof accessFor>, right: Right, name: string) =>
  right === 'join' ? access.canJoin(name) : right === 'subscribe' ? access.canSubscribe(name) : access.canPublish(name);

const policy = DEFAULT_ACCESS_POLICY;
const narrow: AccessPolicy = { defaultRooms: ['lobby', 'public-*'], publicTopics: ['time', 'news.*'] };

// [case, policy, claim (undefined: no token), right, name, allowed]
const TABLE: Array<[string, AccessPolicy, HeraldClaim | undefined, Right, string, boolean]> = [
  // No token: the public topics, nothing else.
  ['no token reads time', policy, undefined, 'subscribe', 'time', true],
  ['no token reads no other topic', policy, undefined, 'subscribe', 'user.alice', false],
  ['no token reads no room', policy, undefined, 'subscribe', 'chat.lobby', false],
  ['no token joins nothing', policy, undefined, 'join', 'lobby', false],
  ['no token publishes nothing, not even public', policy, undefined, 'publish', 'time', false],
  ['no token reads a listed public prefix', narrow, undefined, 'subscribe', 'news.today', true],
  // Rooms: the claim's, else the default.
  ['no rooms claim: default * joins any room', policy, {}, 'join', 'board-private', true],
  ['no rooms claim: narrow default joins a listed room', narrow, {}, 'join', 'public-1', true],
  ['no rooms claim: narrow default refuses others', narrow, {}, 'join', 'board-private', false],
  ['empty rooms claim joins nothing, whatever the default', policy, { rooms: [] }, 'join', 'lobby', false],
  ['rooms claim replaces the default', narrow, { rooms: ['team-a'] }, 'join', 'lobby', false],
  ['exact room allowed', policy, { rooms: ['team-a'] }, 'join', 'team-a', true],
  ['exact room is not a prefix', policy, { rooms: ['team-a'] }, 'join', 'team-ab', false],
  ['prefix room allowed', policy, { rooms: ['team-*'] }, 'join', 'team-b', true],
  ['room match is case-sensitive', policy, { rooms: ['team-*'] }, 'join', 'TEAM-b', false],
  // chat.<room> over SSE follows the rooms right, not subscribe.
  ['chat topic readable with the room right', policy, { rooms: ['team-a'] }, 'subscribe', 'chat.team-a', true],
  ['chat topic refused without the room right', policy, { rooms: ['team-a'] }, 'subscribe', 'chat.board-private', false],
  ['subscribe * does not open chat topics', policy, { rooms: [], subscribe: ['*'] }, 'subscribe', 'chat.lobby', false],
  ['subscribe chat.* does not open chat topics', policy, { rooms: [], subscribe: ['chat.*'] }, 'subscribe', 'chat.lobby', false],
  ['default rooms open chat topics', policy, {}, 'subscribe', 'chat.anything', true],
  ['a chat. topic that is no room is nobody\'s', policy, { subscribe: ['*'] }, 'subscribe', 'chat.a:b', false],
  // Other topics: subscribe.
  ['subscribe exact', policy, { subscribe: ['user.alice'] }, 'subscribe', 'user.alice', true],
  ['subscribe exact refuses a neighbour', policy, { subscribe: ['user.alice'] }, 'subscribe', 'user.bob', false],
  ['no subscribe claim: public only', policy, { rooms: ['*'] }, 'subscribe', 'user.alice', false],
  ['public topics stay public with a token', policy, { subscribe: [] }, 'subscribe', 'time', true],
  ['public topics may include a chat topic', { defaultRooms: [], publicTopics: ['chat.lobby'] }, { rooms: [] }, 'subscribe', 'chat.lobby', true],
  // Publish: publish right; chat.<room> also needs the room.
  ['no publish claim: nothing', policy, { rooms: ['*'], subscribe: ['*'] }, 'publish', 'news', false],
  ['publish exact', policy, { publish: ['news'] }, 'publish', 'news', true],
  ['publish prefix', policy, { publish: ['news.*'] }, 'publish', 'news.eu', true],
  ['publish refuses outside its patterns', policy, { publish: ['news.*'] }, 'publish', 'time', false],
  ['publish to a chat room needs publish and the room', policy, { rooms: ['team-a'], publish: ['chat.*'] }, 'publish', 'chat.team-a', true],
  ['publish to a chat room outside rooms is refused', policy, { rooms: ['team-a'], publish: ['*'] }, 'publish', 'chat.board-private', false],
  ['the room right alone does not publish', policy, { rooms: ['*'] }, 'publish', 'chat.lobby', false],
  ['publish to a chat. topic that is no room is refused', policy, { publish: ['*'] }, 'publish', 'chat.a:b', false],
];

describe('accessFor', () => {
  it.each(TABLE)('%s', (_case, p, claim, right, name, allowed) => {
    expect(ask(accessFor(p, claim), right, name)).toBe(allowed);
  });
});

describe('OPEN_ACCESS (auth off, operator token)', () => {
  it.each([
    ['join', 'board-private'],
    ['subscribe', 'chat.board-private'],
    ['subscribe', 'user.alice'],
    ['publish', 'chat.board-private'],
  ] as Array<[Right, string]>)('allows %s %s', (right, name) => {
    expect(ask(OPEN_ACCESS, right, name)).toBe(true);
  });
});
