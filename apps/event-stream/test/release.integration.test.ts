import { afterEach, describe, expect, it, vi } from 'vitest';
import { metricValue, SseReader, waitUntil } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

const STREAMS = 1000;
const BATCH = 50;

describe('releasing closed streams', () => {
  it(`returns subscriptions, listeners and timers to where they started after ${STREAMS} streams`, async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    server = await startServer({ TIME_INTERVAL_MS: '20', HEARTBEAT_MS: '100' });
    const hub = server.app.sseHub;
    const { id: resumeFrom } = await server.bus.publish('a', '"seed"');
    // Someone who stays: the bus keeps exactly its listener throughout.
    const stayer = await SseReader.open(`${server.url}/sse?topic=stay`);
    await waitUntil(() => stayer.raw.length > 0, { message: 'the staying stream to open' });
    const startHub = hub.stats();
    const startBus = server.memoryBus.stats();
    const startTimers = setIntervalSpy.mock.calls.length - clearIntervalSpy.mock.calls.length;

    const paths = ['/sse', '/sse?topic=a', '/sse?topic=a,b,time', `/sse?topic=a,c&lastEventId=${resumeFrom}`, '/sse?topic=stay'];
    for (let opened = 0; opened < STREAMS; opened += BATCH) {
      const readers = await Promise.all(
        Array.from({ length: BATCH }, (_, i) => SseReader.open(`${server!.url}${paths[(opened + i) % paths.length]}`)),
      );
      await Promise.all(readers.map((r) => waitUntil(() => r.raw.length > 0, { message: 'a stream to open' })));
      expect(hub.stats().streams).toBe(BATCH + 1);
      for (const reader of readers) reader.close();
      await waitUntil(() => hub.stats().streams === 1, { message: 'the batch to be released' });
    }

    expect(hub.stats()).toEqual(startHub);
    expect(startHub).toEqual({ streams: 1, topics: 1, listeners: 1, heartbeat: true, time: false });
    expect(server.memoryBus.stats()).toEqual(startBus);
    expect(setIntervalSpy.mock.calls.length - clearIntervalSpy.mock.calls.length).toBe(startTimers);
    expect(await metricValue(server.metrics, 'herald_connections')).toBe(1);

    stayer.close();
    await waitUntil(() => hub.stats().streams === 0, { message: 'the last stream to be released' });
    expect(hub.stats()).toEqual({ streams: 0, topics: 0, listeners: 0, heartbeat: false, time: false });
    expect(server.memoryBus.stats()).toEqual({ topics: 0, listeners: 0 });
  });
});
