import { MemoryBus } from '@herald/bus';
import type { ErrorMessage, JoinedMessage } from '@herald/protocol';
import { ChatTestClient, waitUntil } from '@herald/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

afterEach(closeAll);

async function refusals(gateway: TestGateway, limit: string): Promise<number> {
  const { values } = await gateway.metrics.limitRefusals.get();
  return values.find((v) => v.labels.limit === limit)?.value ?? 0;
}

describe('join discipline', () => {
  it('cuts a join storm past JOIN_BURST with rate_limited carrying the join ref; the connection goes on', async () => {
    const gateway = await startGateway({ RATE_LIMIT: '0', JOIN_RATE_LIMIT: '1', JOIN_BURST: '3' });
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    // Ten at once: a burst of 3 and 1/s of refill cannot let them all through
    // unless the machine stalls for seven seconds.
    for (let i = 0; i < 10; i++) alice.send({ type: 'join', room: `r${i}`, ref: `j${i}` });
    const answers = await waitUntil(
      () => {
        const got = alice.received.filter((f) => f.type === 'joined' || (f.type === 'error' && f.ref?.startsWith('j')));
        return got.length === 10 ? got : undefined;
      },
      { timeoutMs: 20_000, message: 'ten answers' },
    );
    const joined = answers.filter((f): f is JoinedMessage => f.type === 'joined').map((f) => f.room);
    const refused = answers.filter((f): f is ErrorMessage => f.type === 'error');
    expect(joined.slice(0, 3)).toEqual(['r0', 'r1', 'r2']);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) expect(error).toMatchObject({ code: 'rate_limited', ref: expect.stringMatching(/^j\d$/) });
    expect(new Set([...joined, ...refused.map((e) => `r${e.ref!.slice(1)}`)]).size).toBe(10);
    expect(await refusals(gateway, 'joins')).toBe(refused.length);
    expect(await alice.say('r0', 'still here')).toMatch(/^\d+-\d+$/);
  });

  it('answers a join of a room already joined without reading history again', async () => {
    const bus = new MemoryBus({ historySize: 100 });
    const gateway = await startGateway({ RATE_LIMIT: '0' }, { bus });
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    await alice.joinRoom('r');
    const ids = [await alice.say('r', 'one'), await alice.say('r', 'two')];
    const reads = vi.spyOn(bus, 'history');
    const again = await alice.joinRoom('r', '0-0');
    expect(again).toEqual({
      type: 'joined',
      room: 'r',
      members: [{ id: 'alice', name: 'alice' }],
      history: [],
      recovered: true,
      more: false,
    });
    expect(reads).not.toHaveBeenCalled();
    // Still a member: the next message arrives once, live.
    const three = await alice.say('r', 'three');
    await alice.next('message', (m) => m.id === three);
    expect(alice.messages('r').map((m) => m.id)).toEqual([...ids, three]);
  });

  it('refuses a join past MAX_TOPICS with unavailable for that join only; the connection stays usable', async () => {
    const bus = new MemoryBus({ historySize: 100, maxTopics: 2 });
    const gateway = await startGateway({ RATE_LIMIT: '0' }, { bus });
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    await alice.joinRoom('a');
    await alice.joinRoom('b');
    alice.send({ type: 'join', room: 'c', ref: 'jc' });
    const error = await alice.next('error');
    expect(error).toMatchObject({ type: 'error', code: 'unavailable', ref: 'jc', message: expect.stringContaining('MAX_TOPICS') });
    expect(alice.isClosed).toBe(false);
    expect(await refusals(gateway, 'topics')).toBe(1);
    expect(await alice.say('a', 'still here')).toMatch(/^\d+-\d+$/);
    // A send to the refused room is not_joined: nothing of it was kept.
    await expect(alice.say('c', 'nope')).rejects.toThrow(/not_joined/);
    await alice.close();
    await waitUntil(() => bus.stats().topics === 0, { timeoutMs: 10_000, message: 'rooms released' });
    const bob = await ChatTestClient.named(gateway.ws, 'bob');
    await bob.joinRoom('c');
  });
});
