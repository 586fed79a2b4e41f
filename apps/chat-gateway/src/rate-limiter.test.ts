import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst equal to the rate, then refills at the rate', () => {
    let now = 1_000;
    const limiter = new RateLimiter(5, () => now);
    const burst = Array.from({ length: 6 }, () => limiter.take());
    expect(burst).toEqual([true, true, true, true, true, false]);
    now += 200; // one token at 5 per second
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(false);
  });

  it('never holds more than the burst after a long idle time', () => {
    let now = 0;
    const limiter = new RateLimiter(3, () => now);
    now += 60_000;
    const taken = Array.from({ length: 5 }, () => limiter.take()).filter(Boolean).length;
    expect(taken).toBe(3);
  });

  it('tolerates a clock that steps back', () => {
    let now = 10_000;
    const limiter = new RateLimiter(1, () => now);
    expect(limiter.take()).toBe(true);
    now = 5_000;
    expect(limiter.take()).toBe(false);
    now = 6_000;
    expect(limiter.take()).toBe(true);
  });

  it('holds a burst larger than the rate (joins: 10/s, 100 at once)', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now, 100);
    expect(Array.from({ length: 101 }, () => limiter.take()).filter(Boolean)).toHaveLength(100);
    now += 100; // one token at 10 per second
    expect([limiter.take(), limiter.take()]).toEqual([true, false]);
    now += 3_600_000;
    expect(Array.from({ length: 101 }, () => limiter.take()).filter(Boolean)).toHaveLength(100);
  });

  it('refuses a rate that is not positive, or a burst below one', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    expect(() => new RateLimiter(5, undefined, 0)).toThrow(RangeError);
  });
});
