import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling, backoffDelay, checkBackoff } from './backoff.js';

const opts = { initialMs: 100, maxMs: 5_000, factor: 2 };

describe('backoffCeiling', () => {
  it('grows by the factor from initialMs and stops at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(opts, a))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it('stays at maxMs for huge attempt numbers (no Infinity, no NaN)', () => {
    expect(backoffCeiling(opts, 10_000)).toBe(5_000);
  });
});

describe('backoffDelay (full jitter)', () => {
  it('is 0 at the bottom of the range and below the ceiling at the top', () => {
    expect(backoffDelay(opts, 3, () => 0)).toBe(0);
    expect(backoffDelay(opts, 3, () => 0.999_999)).toBe(799);
    expect(backoffDelay(opts, 50, () => 0.999_999)).toBe(4_999);
  });

  it('spreads delays evenly over [0, ceiling)', () => {
    const ceiling = backoffCeiling(opts, 4);
    const buckets = new Array<number>(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const d = backoffDelay(opts, 4);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(ceiling);
      buckets[Math.floor((d / ceiling) * 10)]! += 1;
    }
    // Each tenth expects 2000; 1600..2400 is > 9 standard deviations wide.
    for (const count of buckets) {
      expect(count).toBeGreaterThan(1_600);
      expect(count).toBeLessThan(2_400);
    }
  });
});

describe('Backoff', () => {
  it('counts attempts and starts again from the bottom after reset()', () => {
    const backoff = new Backoff(opts, () => 0.5);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([50, 100, 200]);
    expect(backoff.attempt).toBe(3);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it('refuses options that make no sense', () => {
    expect(() => checkBackoff({ initialMs: -1, maxMs: 10, factor: 2 })).toThrow(/initialMs/);
    expect(() => checkBackoff({ initialMs: 10, maxMs: 5, factor: 2 })).toThrow(/maxMs/);
    expect(() => checkBackoff({ initialMs: 10, maxMs: 50, factor: 0.5 })).toThrow(/factor/);
    expect(() => checkBackoff({ initialMs: Number.NaN, maxMs: 50, factor: 2 })).toThrow(/initialMs/);
  });
});
