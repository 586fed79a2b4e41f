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

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});
