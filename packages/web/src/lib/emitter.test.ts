import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter.js';

class Bell extends Emitter<{ ring: number }> {
  ring(n: number) {
    this.emit('ring', n);
  }
}

describe('Emitter', () => {
  it('calls handlers until they are removed', () => {
    const bell = new Bell();
    const got: number[] = [];
    const off = bell.on('ring', (n) => got.push(n));
    bell.ring(1);
    off();
    bell.ring(2);
    expect(got).toEqual([1]);
  });

  it('a throwing handler does not stop the next one; the error surfaces asynchronously', async () => {
    const bell = new Bell();
    const got: number[] = [];
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    process.on('uncaughtException', onError);
    try {
      bell.on('ring', () => {
        throw new Error('boom');
      });
      bell.on('ring', (n) => got.push(n));
      bell.ring(1);
      expect(got).toEqual([1]);
      await new Promise((r) => setTimeout(r, 0));
      expect(errors).toHaveLength(1);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
