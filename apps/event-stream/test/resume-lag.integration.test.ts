import type { Bus, BusEvent, Listener, MemoryBus } from '@herald/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { SseReader } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(closeAll);

/**
 * The bus as seen by an instance whose live deliveries can be held back: like an
 * instance whose Redis stream reader is behind another's, while history (read
 * straight from the store) already has everything.
 */
function laggingBus(inner: MemoryBus): Bus & { hold: boolean; release(): void } {
  const held: Array<() => void> = [];
  const bus = {
    kind: inner.kind,
    presence: inner.presence,
    journal: inner.journal,
    hold: false,
    publish: (topic: string, data: string) => inner.publish(topic, data),
    subscribe: (topic: string, listener: Listener<BusEvent>) =>
      inner.subscribe(topic, (event) => (bus.hold ? held.push(() => listener(event)) : listener(event))),
    history: (topic: string, after?: string, limit?: number) => inner.history(topic, after, limit),
    newestId: () => inner.newestId(),
    historyBefore: (topic: string, before: string, limit: number) => inner.historyBefore(topic, before, limit),
    isReady: () => inner.isReady(),
    onStatus: (listener: Listener<'ready' | 'down'>) => inner.onStatus(listener),
    close: () => inner.close(),
    release() {
      bus.hold = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
  return bus;
}

async function start() {
  let lagging: ReturnType<typeof laggingBus> | undefined;
  server = await startServer({}, (memory) => (lagging = laggingBus(memory)));
  return { server, bus: lagging! };
}

// Found by the hardening fault tests: a stream resumed on an instance whose reader
// was behind got, live, events it already had (<= Last-Event-ID, or just replayed).
describe('resuming on an instance whose bus deliveries lag', () => {
  it('an event at or before Last-Event-ID that arrives late is not sent again', async () => {
    const { server, bus } = await start();
    const watcher = await SseReader.open(`${server.url}/sse?topic=lag`); // the topic is subscribed already
    bus.hold = true;
    const first = (await server.memoryBus.publish('lag', '"m1"')).id;
    const reader = await SseReader.open(`${server.url}/sse?topic=lag`, { 'last-event-id': first });
    bus.release();
    const second = (await server.memoryBus.publish('lag', '"m2"')).id;
    await reader.waitForEvents(1);
    await watcher.waitForEvents(2);
    expect(reader.ids).toEqual([second]);
    reader.close();
    watcher.close();
  });

  it('an event replayed from history that arrives late is not sent again, on every topic of the stream', async () => {
    const { server, bus } = await start();
    const watcher = await SseReader.open(`${server.url}/sse?topic=a&topic=b`);
    const zero = (await server.memoryBus.publish('a', '"a0"')).id;
    await watcher.waitForEvents(1);
    bus.hold = true;
    const late = [
      (await server.memoryBus.publish('a', '"a1"')).id,
      (await server.memoryBus.publish('b', '"b1"')).id,
      (await server.memoryBus.publish('a', '"a2"')).id,
    ];
    const reader = await SseReader.open(`${server.url}/sse?topic=a&topic=b`, { 'last-event-id': zero });
    await reader.waitForEvents(3);
    bus.release();
    const next = [(await server.memoryBus.publish('b', '"b2"')).id, (await server.memoryBus.publish('a', '"a3"')).id];
    await reader.waitForEvents(5);
    await watcher.waitForEvents(6);
    expect(reader.ids).toEqual([...late, ...next]);
    reader.close();
    watcher.close();
  });
});

describe('a Last-Event-ID past the newest event of a topic', () => {
  it('is taken as "up to date": what is published afterwards arrives', async () => {
    const { server } = await start();
    await server.memoryBus.publish('ahead', '"old"');
    const reader = await SseReader.open(`${server.url}/sse?topic=ahead&topic=quiet`, { 'last-event-id': '999999999999999-999999999999999' });
    const next = [(await server.memoryBus.publish('ahead', '"new"')).id, (await server.memoryBus.publish('quiet', '"first"')).id];
    await reader.waitForEvents(2);
    expect(reader.ids).toEqual(next);
    reader.close();
  });
});
