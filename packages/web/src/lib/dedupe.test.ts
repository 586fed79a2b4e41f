import { describe, expect, it } from 'vitest';
import { RecentIds } from './dedupe.js';

const id = (n: number) => `1700000000000-${n}`;

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RecentIds', () => {
  it('accepts an id once and refuses it after', () => {
    const seen = new RecentIds();
    expect(seen.accept(id(1))).toBe(true);
    expect(seen.accept(id(1))).toBe(false);
    expect(seen.accept(id(2))).toBe(true);
    expect(seen.last).toBe(id(2));
  });

  it('accepts an out-of-order id once and keeps `last` the newest', () => {
    const seen = new RecentIds();
    for (const n of [1, 3, 2, 3, 2, 1]) seen.accept(id(n));
    expect(seen.size).toBe(3);
    expect(seen.last).toBe(id(3));
  });

  it('orders by the ms part before the sequence', () => {
    const seen = new RecentIds();
    expect(seen.accept('1700000000001-0')).toBe(true);
    expect(seen.accept('1700000000000-9')).toBe(true);
    expect(seen.last).toBe('1700000000001-0');
  });

  it('keeps at most `capacity` ids and refuses ids older than the whole window', () => {
    const seen = new RecentIds(4);
    for (let n = 1; n <= 10; n++) seen.accept(id(n));
    expect(seen.size).toBe(4);
    expect(seen.accept(id(6))).toBe(false); // the oldest delivered: too old to tell, dropped
    expect(seen.accept(id(8))).toBe(false); // inside the window: a duplicate
    expect(seen.accept(id(11))).toBe(true);
  });

  it('delivers each id exactly once from a shuffled stream with duplicates', () => {
    const random = prng(42);
    const ids = Array.from({ length: 500 }, (_, n) => id(n));
    // A replay overlapping the live stream: every id two or three times, locally shuffled.
    const input: string[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const chunk = ids.slice(i, i + 20).concat(ids.slice(i, i + 10));
      chunk.sort(() => random() - 0.5);
      input.push(...chunk);
    }
    const seen = new RecentIds(64);
    const delivered = input.filter((x) => seen.accept(x));
    expect(new Set(delivered).size).toBe(delivered.length);
    expect([...delivered].sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]))).toEqual(ids);
    expect(seen.last).toBe(id(499));
  });

  it('rejects a bad capacity and a malformed id', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
    const seen = new RecentIds();
    seen.accept(id(1));
    expect(() => seen.accept('nope')).toThrow(TypeError);
  });
});
