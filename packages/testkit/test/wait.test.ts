import { describe, expect, it } from 'vitest';
import { waitUntil } from '../src/wait.js';

describe('waitUntil', () => {
  it('resolves with the first truthy value the predicate returns', async () => {
    let calls = 0;
    const value = await waitUntil(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('awaits async predicates', async () => {
    let n = 0;
    await expect(waitUntil(async () => ++n === 2, { intervalMs: 1 })).resolves.toBe(true);
  });

  it('fails with the message once the timeout passes', async () => {
    await expect(waitUntil(() => false, { timeoutMs: 30, intervalMs: 5, message: 'the moon' })).rejects.toThrow(
      'timed out after 30 ms waiting for the moon',
    );
  });

  it('stops at once when the predicate throws', async () => {
    let calls = 0;
    const failing = waitUntil(() => {
      calls += 1;
      throw new Error('gave up');
    });
    await expect(failing).rejects.toThrow('gave up');
    expect(calls).toBe(1);
  });
});
