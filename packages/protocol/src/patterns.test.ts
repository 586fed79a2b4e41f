import { describe, expect, it } from 'vitest';
import { MAX_PATTERNS, isPattern, matchesAny, patternListProblem, patternProblem } from './patterns.js';

describe('matchesAny', () => {
  it.each([
    // [patterns, name, expected]
    [['*'], 'lobby', true],
    [['*'], 'chat.x', true],
    [['*'], '', false],
    [[], 'lobby', false],
    [[], '', false],
    [['lobby'], 'lobby', true],
    [['lobby'], 'lobby2', false],
    [['lobby'], 'lobb', false],
    [['lobby'], 'Lobby', false],
    [['Lobby'], 'lobby', false],
    [['team-*'], 'team-a', true],
    [['team-*'], 'team-', true],
    [['team-*'], 'team', false],
    [['team-*'], 'Team-a', false],
    [['team-*'], 'xteam-a', false],
    [['user.alice'], 'user.alice', true],
    [['user.alice'], 'user.alice.x', false],
    [['user.*'], 'user.alice.x', true],
    [['a', 'b', 'c-*'], 'c-1', true],
    [['a', 'b', 'c-*'], 'd', false],
    [['.'], 'a', false],
  ] as Array<[string[], string, boolean]>)('%j matches %j: %s', (patterns, name, expected) => {
    expect(matchesAny(patterns, name)).toBe(expected);
  });
});

describe('patternProblem', () => {
  it.each(['*', 'lobby', 'team-*', 'a.b:c_d-e', 'chat.*', 'x'.repeat(128), `${'x'.repeat(128)}*`])('accepts %j', (value) => {
    expect(patternProblem(value)).toBeUndefined();
    expect(isPattern(value)).toBe(true);
  });

  it.each([
    ['', /must not be empty/],
    ['a*b', /"\*" only at its end/],
    ['*a', /"\*" only at its end/],
    ['**', /"\*" only at its end/],
    ['team-**', /"\*" only at its end/],
    ['a b', /letters, digits/],
    ['a/b', /letters, digits/],
    ['ü', /letters, digits/],
    ['a\nb', /letters, digits/],
    ['x'.repeat(129), /1-128/],
    [5, /must be a string/],
    [null, /must be a string/],
    [['*'], /must be a string/],
  ])('refuses %j', (value, pattern) => {
    expect(patternProblem(value)).toMatch(pattern);
    expect(isPattern(value)).toBe(false);
  });
});

describe('patternListProblem', () => {
  it('accepts an empty list and a list of patterns', () => {
    expect(patternListProblem([], 'rooms')).toBeUndefined();
    expect(patternListProblem(['a', 'b-*', '*'], 'rooms')).toBeUndefined();
  });

  it('names the first bad entry by its index', () => {
    expect(patternListProblem(['a', 'b*c', 7], 'herald.rooms')).toBe('herald.rooms[1] may hold "*" only at its end');
    expect(patternListProblem(['a', 7], 'herald.rooms')).toBe('herald.rooms[1] must be a string');
  });

  it('refuses what is not a list, and lists that are too long', () => {
    expect(patternListProblem('*', 'rooms')).toBe('rooms must be a list of patterns');
    expect(patternListProblem({ 0: '*' }, 'rooms')).toBe('rooms must be a list of patterns');
    expect(patternListProblem(Array(MAX_PATTERNS).fill('a'), 'rooms')).toBeUndefined();
    expect(patternListProblem(Array(MAX_PATTERNS + 1).fill('a'), 'rooms')).toMatch(/at most 256/);
  });
});
