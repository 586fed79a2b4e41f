import { describe, expect, it } from 'vitest';
import { decodeHeraldClaim } from './claims.js';

function reason(value: unknown): string {
  const result = decodeHeraldClaim(value);
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return result.reason;
}

describe('decodeHeraldClaim', () => {
  it('reads an absent claim as an empty one (defaults apply)', () => {
    expect(decodeHeraldClaim(undefined)).toEqual({ ok: true, claim: {} });
  });

  it('keeps each list it is given, and only those', () => {
    expect(decodeHeraldClaim({})).toEqual({ ok: true, claim: {} });
    expect(decodeHeraldClaim({ rooms: [] })).toEqual({ ok: true, claim: { rooms: [] } });
    expect(decodeHeraldClaim({ rooms: ['team-*'], subscribe: ['user.alice'], publish: ['*'] })).toEqual({
      ok: true,
      claim: { rooms: ['team-*'], subscribe: ['user.alice'], publish: ['*'] },
    });
  });

  it('copies the lists instead of aliasing the payload', () => {
    const rooms = ['a'];
    const result = decodeHeraldClaim({ rooms });
    rooms.push('b');
    expect(result).toEqual({ ok: true, claim: { rooms: ['a'] } });
  });

  it.each([
    [null, 'herald claim must be an object'],
    ['*', 'herald claim must be an object'],
    [['*'], 'herald claim must be an object'],
    [{ room: ['*'] }, 'herald claim has an unknown key "room" (known: rooms, subscribe, publish)'],
    [{ rooms: '*' }, 'herald.rooms must be a list of patterns'],
    [{ rooms: null }, 'herald.rooms must be a list of patterns'],
    [{ subscribe: ['ok', 3] }, 'herald.subscribe[1] must be a string'],
    [{ publish: ['a*b'] }, 'herald.publish[0] may hold "*" only at its end'],
    [{ rooms: [''] }, 'herald.rooms[0] must not be empty'],
  ])('refuses %j: %s', (value, expected) => {
    expect(reason(value)).toBe(expected);
  });

  it('does not treat inherited keys as lists', () => {
    expect(decodeHeraldClaim(JSON.parse('{"__proto__":{"rooms":["*"]}}'))).toEqual({
      ok: false,
      reason: 'herald claim has an unknown key "__proto__" (known: rooms, subscribe, publish)',
    });
  });
});
