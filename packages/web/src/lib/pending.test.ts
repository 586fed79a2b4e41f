import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from './errors.js';
import { PendingReplies } from './pending.js';

describe('PendingReplies', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the reply that arrives in time', async () => {
    const pending = new PendingReplies<string>();
    const reply = pending.wait('r1', 1_000, 'send');
    vi.advanceTimersByTime(999);
    expect(pending.resolve('r1', '10-1')).toBe(true);
    await expect(reply).resolves.toBe('10-1');
    expect(pending.size).toBe(0);
  });

  it('rejects with a timeout error when no reply comes, and ignores a late one', async () => {
    const pending = new PendingReplies<string>();
    const reply = pending.wait('r1', 1_000, 'send');
    vi.advanceTimersByTime(1_000);
    await expect(reply).rejects.toMatchObject({ name: 'ClientError', code: 'timeout' });
    expect(pending.resolve('r1', 'late')).toBe(false);
  });

  it('rejects every waiting request at once', async () => {
    const pending = new PendingReplies<string>();
    const a = pending.wait('a', 1_000, 'send');
    const b = pending.wait('b', 1_000, 'send');
    pending.rejectAll(new ClientError('closed', 'gone'));
    await expect(a).rejects.toMatchObject({ code: 'closed' });
    await expect(b).rejects.toMatchObject({ code: 'closed' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a second wait on the same key supersedes the first', async () => {
    const pending = new PendingReplies<number>();
    const first = pending.wait('k', 1_000, 'join');
    const second = pending.wait('k', 1_000, 'join');
    await expect(first).rejects.toMatchObject({ code: 'superseded' });
    pending.resolve('k', 7);
    await expect(second).resolves.toBe(7);
  });
});
