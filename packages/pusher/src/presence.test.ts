import { describe, expect, it } from 'vitest';
import { parseChannelData, presenceData } from './presence.js';

describe('presenceData', () => {
  it('counts a user once however many connections it has', () => {
    const data = presenceData([
      { user_id: 'a', user_info: { name: 'Ann' } },
      { user_id: 'b' },
      { user_id: 'a', user_info: { name: 'Ann (tab 2)' } },
    ]);
    expect(data.ids).toEqual(['a', 'b']);
    expect(data.count).toBe(2);
    expect(JSON.stringify(data.hash)).toBe('{"a":{"name":"Ann"},"b":null}');
  });

  it('is empty for no members', () => {
    expect(JSON.parse(JSON.stringify(presenceData([])))).toEqual({ ids: [], hash: {}, count: 0 });
  });

  it('keeps a user id of __proto__ as a member', () => {
    const data = presenceData([{ user_id: '__proto__', user_info: 1 }, { user_id: 'constructor' }]);
    expect(JSON.parse(JSON.stringify(data))).toEqual(JSON.parse('{"ids":["__proto__","constructor"],"hash":{"__proto__":1,"constructor":null},"count":2}'));
  });
});

describe('parseChannelData', () => {
  it('reads user_id and user_info', () => {
    expect(parseChannelData('{"user_id":"u1","user_info":{"name":"Ann"}}')).toEqual({
      ok: true,
      member: { user_id: 'u1', user_info: { name: 'Ann' } },
    });
    expect(parseChannelData('{"user_id":"u1"}')).toEqual({ ok: true, member: { user_id: 'u1' } });
  });

  it('takes an integer user_id (Laravel) as its decimal string', () => {
    expect(parseChannelData('{"user_id":17}')).toEqual({ ok: true, member: { user_id: '17' } });
  });

  it.each([
    [undefined, 'Presence channels need channel_data'],
    ['nope', 'channel_data is not JSON'],
    ['null', 'channel_data must be a JSON object with user_id'],
    ['{}', 'channel_data.user_id must be a string of 1-128 characters or an integer'],
    ['{"user_id":1.5}', 'channel_data.user_id must be a string of 1-128 characters or an integer'],
    ['{"user_id":""}', 'channel_data.user_id must be a string of 1-128 characters or an integer'],
    [JSON.stringify({ user_id: 'u', user_info: 'x'.repeat(2000) }), 'channel_data is over 1280 bytes'],
  ])('refuses %j', (text, reason) => {
    expect(parseChannelData(text)).toEqual({ ok: false, reason });
  });
});
