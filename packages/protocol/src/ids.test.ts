import { describe, expect, it } from 'vitest';
import { compareIds, formatId, isId, parseId } from './ids.js';
import { chatTopic, isDisplayName, isEventName, isRoomName, isTopicName } from './names.js';

describe('ids', () => {
  it('parse, format and compare numerically, not as text', () => {
    expect(parseId('1700000000000-12')).toEqual({ ms: 1700000000000, seq: 12 });
    expect(formatId(5, 3)).toBe('5-3');
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('10-10', '10-10')).toBe(0);
    expect(compareIds('11-0', '10-99')).toBeGreaterThan(0);
  });

  it.each(['', '1', '1-', '-1', 'a-1', '1-1-1', '1 -1', '1-1\n', '9999999999999999-0', 'x'.repeat(1000)])(
    'refuse %j',
    (bad) => {
      expect(isId(bad)).toBe(false);
      expect(() => compareIds(bad, '1-0')).toThrow(TypeError);
    },
  );
});

describe('names', () => {
  it('validate rooms, topics, event names and display names', () => {
    expect(isRoomName('lobby')).toBe(true);
    expect(isRoomName('a/b')).toBe(false);
    expect(isTopicName(chatTopic('lobby'))).toBe(true);
    expect(isTopicName('orders:eu.1')).toBe(true);
    expect(isTopicName('.hidden')).toBe(false);
    expect(isTopicName('a b')).toBe(false);
    expect(isEventName('update')).toBe(true);
    expect(isEventName('up\ndate')).toBe(false);
    expect(isDisplayName('Alice 世界')).toBe(true);
    expect(isDisplayName('   ')).toBe(false);
    expect(isDisplayName('a\u0000')).toBe(false);
    expect(isDisplayName('n'.repeat(65))).toBe(false);
  });
});
