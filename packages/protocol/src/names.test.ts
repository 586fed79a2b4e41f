import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_LENGTH,
  NAME_RULES,
  defaultDisplayName,
  displayNameProblem,
  isDisplayName,
  isEventName,
  isRoomName,
  isSubject,
  isTopicName,
  roomOfTopic,
  subjectProblem,
} from './names.js';

describe('displayNameProblem and subjectProblem', () => {
  it.each(['alice', 'Alice 世界', '😀', 'a'.repeat(64), 'o\u0308', 'x\ud83d\ude00y'])('accept %j', (value) => {
    expect(displayNameProblem(value)).toBeUndefined();
    expect(subjectProblem(value)).toBeUndefined();
  });

  it.each([
    ['x\ud800', /well-formed Unicode/],
    ['\udfffx', /well-formed Unicode/],
    ['a\u0000b', /control characters/],
    ['a\u007fb', /control characters/],
    ['a\u0085b', /control characters/],
    ['a\nb', /control characters/],
    ['\u202eevil', /format or bidi/],
    ['a\u2066b\u2069', /format or bidi/],
    ['a\u200eb', /format or bidi/],
    ['\ufeffa', /format or bidi/],
    ['a\u200bb', /format or bidi/],
    ['a\u00adb', /format or bidi/],
    ['', /1-/],
    ['   ', /white space/],
    [42, /must be a string/],
  ])('refuse %j', (value, pattern) => {
    expect(displayNameProblem(value)).toMatch(pattern);
    expect(subjectProblem(value)).toMatch(pattern);
    expect(isDisplayName(value)).toBe(false);
    expect(isSubject(value)).toBe(false);
  });

  it('names the field and its own limit', () => {
    expect(displayNameProblem('n'.repeat(65))).toBe('"name" must be 1-64 characters');
    expect(displayNameProblem('x\ud800', '?name=')).toBe('?name= must be well-formed Unicode (it holds a lone surrogate)');
    expect(subjectProblem('s'.repeat(128))).toBeUndefined();
    expect(subjectProblem('s'.repeat(129))).toBe('"sub" must be 1-128 characters');
  });
});

describe('defaultDisplayName', () => {
  it('keeps a short id whole', () => {
    expect(defaultDisplayName('alice')).toBe('alice');
  });

  it('cuts a long id to the name limit', () => {
    expect(defaultDisplayName('a'.repeat(100))).toBe('a'.repeat(MAX_NAME_LENGTH));
  });

  it('never splits a surrogate pair', () => {
    const id = `${'a'.repeat(MAX_NAME_LENGTH - 1)}😀tail`;
    const name = defaultDisplayName(id);
    expect(name).toBe('a'.repeat(MAX_NAME_LENGTH - 1));
    expect(isDisplayName(name)).toBe(true);
    expect(defaultDisplayName(`${'a'.repeat(MAX_NAME_LENGTH - 2)}😀tail`)).toBe(`${'a'.repeat(MAX_NAME_LENGTH - 2)}😀`);
  });
});

describe('roomOfTopic', () => {
  it.each([
    ['chat.lobby', 'lobby'],
    ['chat.a.b', 'a.b'],
    ['chat.', undefined],
    ['chat.a:b', undefined],
    ['chatlobby', undefined],
    ['Chat.lobby', undefined],
    ['time', undefined],
  ])('%j -> %j', (topic, room) => {
    expect(roomOfTopic(topic)).toBe(room);
  });
});

describe('NAME_RULES', () => {
  it.each([
    ['room', isRoomName, 64],
    ['topic', isTopicName, 128],
    ['event', isEventName, 64],
    ['displayName', isDisplayName, MAX_NAME_LENGTH],
  ] as const)('the %s rule states the length its check allows', (kind, check, max) => {
    expect(NAME_RULES[kind].startsWith(`1-${max} `)).toBe(true);
    expect(check('a'.repeat(max))).toBe(true);
    expect(check('a'.repeat(max + 1))).toBe(false);
    expect(check('')).toBe(false);
  });

  it('keeps room names starting with "pusher." for Pusher channels, as the rule says', () => {
    expect(NAME_RULES.room).toContain('not starting with "pusher."');
    expect(isRoomName('pusher.app1.presence-x')).toBe(false);
    expect(isRoomName('pusher')).toBe(true);
    expect(isRoomName('my.pusher.room')).toBe(true);
  });

  it('says which first characters a topic may not have, as its check does', () => {
    expect(NAME_RULES.topic).toContain('starting with a letter, digit or "_"');
    for (const bad of ['.a', ':a', '-a']) expect(isTopicName(bad)).toBe(false);
    expect(isTopicName('_a')).toBe(true);
  });
});
