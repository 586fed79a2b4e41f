import type { Socket } from 'node:net';
import { compareIds } from '@herald/protocol';
import { assertAppsBuilt, postPublish, Service, stopAllServices, waitUntil } from '@herald/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { medianRss, MiB } from '../hardening/proc.js';
import { IdReader, neverReadingStream } from './raw-clients.js';

// Issue 12's probe, repeated: three streams resuming from 0-0 over 3 topics x 1000
// events x 60 KB that never read once raised the event stream's RSS by ~1 GiB (the
// whole replay was built as one string). Paged, each holds about one page.
const TOPICS = ['big.a', 'big.b', 'big.c'];
const PER_TOPIC = 1000;
const EVENT_CHARS = 60_000;

async function publishAll(base: string): Promise<string[]> {
  const ids: string[] = [];
  const payload = 'x'.repeat(EVENT_CHARS);
  for (let i = 0; i < PER_TOPIC; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 * TOPICS.length }, (_, k) =>
        postPublish(base, { topic: TOPICS[k % TOPICS.length], data: `${i + Math.floor(k / TOPICS.length)}:${payload}` }),
      ),
    );
    for (const answer of batch) {
      if (answer.status !== 202 || !answer.body.id) throw new Error(`publish refused: ${answer.status}`);
      ids.push(answer.body.id);
    }
  }
  return ids.sort(compareIds);
}

async function readAll(base: string, count: number): Promise<IdReader> {
  const reader = await IdReader.open(`${base}/sse?topic=${TOPICS.join(',')}`, { 'last-event-id': '0-0' });
  await waitUntil(() => reader.ids.length >= count, { timeoutMs: 60_000, message: 'a reading stream to get the whole history' });
  reader.close();
  return reader;
}

describe('paged SSE replay (real process)', () => {
  const stalled: Socket[] = [];
  afterAll(async () => {
    for (const socket of stalled) socket.destroy();
    await stopAllServices();
  });

  it('three never-reading resumes from 0-0 over 180 MB of history grow RSS by under 64 MiB, and a reader gets every event once, in order', async () => {
    assertAppsBuilt(['event-stream']);
    const es = await Service.start('event-stream', { HISTORY_SIZE: String(PER_TOPIC) });
    const ids = await publishAll(es.http);
    expect(ids).toHaveLength(TOPICS.length * PER_TOPIC);
    // The baseline is taken after one reader went through the whole replay: what a
    // read of 180 MB leaves behind (garbage V8 collects late with a big live heap,
    // memory malloc keeps) is then already counted, and what is left to measure is
    // what each stalled stream holds.
    const warmUp = await readAll(es.http, ids.length);
    expect(warmUp.ids).toEqual(ids);
    const before = await medianRss(es.pid);

    for (let i = 0; i < 3; i++) stalled.push(await neverReadingStream(es.port, TOPICS, '0-0'));
    const reader = await readAll(es.http, ids.length);
    // The stalled streams were served too (a page each at least), then held back.
    await waitUntil(async () => (await es.metric('herald_messages_out_total')) >= 2 * ids.length + 3, {
      message: 'pages written to the stalled streams',
    });
    const after = await medianRss(es.pid);

    expect(reader.ids).toEqual(ids);
    expect(reader.named).toEqual([]);
    expect(after - before, `RSS ${Math.round(before / MiB)} -> ${Math.round(after / MiB)} MiB`).toBeLessThan(64 * MiB);
    expect(stalled.every((socket) => !socket.destroyed)).toBe(true);
  });
});
