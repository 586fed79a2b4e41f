import { describe, expect, it } from 'vitest';
import { describeState, formatData } from './format.js';

describe('describeState', () => {
  it('counts down to the next attempt and never below zero', () => {
    const state = { state: 'reconnecting', attempt: 2, delayMs: 3_000, at: 10_000 } as const;
    expect(describeState(state, 7_550)).toEqual({
      label: 'Disconnected, reconnecting (attempt 2)',
      countdown: 'next try in 2.5 s',
    });
    expect(describeState(state, 12_000).countdown).toBe('next try in 0.0 s');
  });

  it('has no countdown while EventSource retries on its own schedule', () => {
    expect(describeState({ state: 'reconnecting', attempt: 1 }, 0).countdown).toBe('');
  });

  it('labels the other states', () => {
    expect(describeState({ state: 'open' }, 0).label).toBe('Connected');
    expect(describeState({ state: 'closed' }, 0).label).toBe('Not connected');
    expect(describeState({ state: 'connecting', attempt: 0 }, 0).label).toBe('Connecting…');
    expect(describeState({ state: 'connecting', attempt: 2 }, 0).label).toBe('Connecting (attempt 3)…');
  });
});

describe('formatData', () => {
  it('shows text as is and anything else as JSON', () => {
    expect(formatData('<b>hi</b>')).toBe('<b>hi</b>');
    expect(formatData({ message: 'x' })).toBe('{"message":"x"}');
  });
});
