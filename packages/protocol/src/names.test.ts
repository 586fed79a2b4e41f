import { describe, expect, it } from 'vitest';
import { isDisplayName, isEventName, isRoomName, isTopicName, MAX_NAME_LENGTH, NAME_RULES } from './names.js';

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

  it('says which first characters a topic may not have, as its check does', () => {
    expect(NAME_RULES.topic).toContain('starting with a letter, digit or "_"');
    for (const bad of ['.a', ':a', '-a']) expect(isTopicName(bad)).toBe(false);
    expect(isTopicName('_a')).toBe(true);
  });
});
