import { compareIds, isId } from '@herald/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SseReader, waitUntil } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

const TICK_MS = 30;

describe('the built-in time topic', () => {
  it('is what a stream without topics gets: {"message"} with ordered ids', async () => {
    server = await startServer({ TIME_INTERVAL_MS: String(TICK_MS) });
    const reader = await SseReader.open(`${server.url}/sse/`);
    const events = await reader.waitForEvents(3);
    for (const event of events) {
      expect(isId(event.id)).toBe(true);
      const { message } = JSON.parse(event.data) as { message: string };
      expect(Number.isNaN(Date.parse(message))).toBe(false);
    }
    expect(compareIds(events[0]!.id!, events[1]!.id!)).toBeLessThan(0);
    expect(compareIds(events[1]!.id!, events[2]!.id!)).toBeLessThan(0);
    reader.close();
  });

  it('runs one timer for all its streams, only while someone listens', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const tickTimers = () => setIntervalSpy.mock.calls.filter(([, ms]) => ms === TICK_MS).length;
    server = await startServer({ TIME_INTERVAL_MS: String(TICK_MS) });
    const hub = server.app.sseHub;
    expect(hub.stats().time).toBe(false);

    const readers = await Promise.all([
      SseReader.open(`${server.url}/sse`),
      SseReader.open(`${server.url}/sse?topic=time`),
      SseReader.open(`${server.url}/sse?topic=time,other`),
    ]);
    await Promise.all(readers.map((r) => r.waitForEvents(2)));
    expect(hub.stats().time).toBe(true);
    expect(tickTimers()).toBe(1);

    // One source: a tick seen by the last reader was seen, with the same id, by the first.
    const last = readers[2]!.ids.at(-1)!;
    await waitUntil(() => readers[0]!.ids.includes(last), { message: 'the first reader to see the same tick' });

    readers[0]!.close();
    readers[1]!.close();
    await waitUntil(() => hub.stats().streams === 1, { message: 'two streams released' });
    expect(hub.stats().time).toBe(true);
    readers[2]!.close();
    await waitUntil(() => !hub.stats().time, { message: 'the time timer to stop' });
    expect(hub.stats()).toEqual({ streams: 0, topics: 0, listeners: 0, heartbeat: false, time: false });

    const again = await SseReader.open(`${server.url}/sse`);
    await again.waitForEvents(1);
    expect(tickTimers()).toBe(2);
    again.close();
    await waitUntil(() => !hub.stats().time, { message: 'the time timer to stop again' });
  });

  it('continues after a resume on time (no history, no reset)', async () => {
    server = await startServer({ TIME_INTERVAL_MS: String(TICK_MS) });
    const first = await SseReader.open(`${server.url}/sse`);
    const [tick] = await first.waitForEvents(1);
    first.close();
    const resumed = await SseReader.open(`${server.url}/sse`, { 'last-event-id': tick!.id! });
    expect(resumed.status).toBe(200);
    const events = await resumed.waitForEvents(2);
    expect(events.every((e) => e.event === undefined && compareIds(e.id!, tick!.id!) > 0)).toBe(true);
    resumed.close();
  });
});
