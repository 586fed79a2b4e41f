import { afterEach, describe, expect, it } from 'vitest';
import { metricValue, postPublish, rawRequest, SseReader, waitUntil } from '@herald/testkit';
import { closeAll, startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
afterEach(closeAll);

describe('ops endpoints', () => {
  it('/healthz and /readyz answer, /metrics counts connections, messages and latency', async () => {
    server = await startServer();
    expect((await rawRequest(`${server.url}/healthz`)).status).toBe(200);
    const ready = await rawRequest(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', bus: { kind: 'memory', ready: true }, draining: false });

    const readers = await Promise.all([1, 2, 3].map(() => SseReader.open(`${server!.url}/sse?topic=m`)));
    await Promise.all(readers.map((r) => waitUntil(() => r.raw.length > 0, { message: 'streams to open' })));
    await postPublish(server.url, [
      { topic: 'm', data: 1 },
      { topic: 'm', data: 2 },
    ]);
    await Promise.all(readers.map((r) => r.waitForEvents(2)));

    const metrics = await rawRequest(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^herald_connections\{service="event-stream"\} 3$/m);
    expect(metrics.body).toMatch(/^herald_messages_in_total\{service="event-stream"\} 2$/m);
    expect(metrics.body).toMatch(/^herald_messages_out_total\{service="event-stream"\} 6$/m);
    expect(metrics.body).toMatch(/^herald_publish_deliver_latency_seconds_count\{service="event-stream"\} 2$/m);
    for (const reader of readers) reader.close();
    await waitUntil(() => server!.app.sseHub.stats().streams === 0, { message: 'streams to close' });
    expect(await metricValue(server.metrics, 'herald_connections')).toBe(0);
  });

  it('refuses new streams and reports not ready while draining', async () => {
    server = await startServer();
    server.app.draining = true;
    const ready = await rawRequest(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ draining: true });
    const refused = await SseReader.open(`${server.url}/sse`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(server.app.sseHub.stats().streams).toBe(0);
  });

  it('ends every stream on close, so clients resume elsewhere', async () => {
    server = await startServer({ TIME_INTERVAL_MS: '20' });
    const readers = await Promise.all(['/sse', '/sse?topic=a', '/sse?topic=a,b'].map((p) => SseReader.open(`${server!.url}${p}`)));
    await Promise.all(readers.map((r) => waitUntil(() => r.raw.length > 0, { message: 'streams to open' })));
    const { id } = await server.bus.publish('a', '"before drain"');
    await readers[1]!.waitForEvents(1);
    await server.close();
    await Promise.all(readers.map((r) => r.waitForEnd()));
    expect(readers.map((r) => r.complete)).toEqual([true, true, true]);
    expect(readers[1]!.ids).toEqual([id]);
    expect(server.app.sseHub.stats()).toEqual({ streams: 0, topics: 0, listeners: 0, heartbeat: false, time: false });
  });

  it('answers 503 when the bus is down', async () => {
    server = await startServer();
    await server.bus.close();
    const stream = await SseReader.open(`${server.url}/sse?topic=a`);
    expect(stream.status).toBe(503);
    const published = await postPublish(server.url, { topic: 'a', data: 1 });
    expect(published.status).toBe(503);
    expect(published.body.error!.code).toBe('unavailable');
    expect((await rawRequest(`${server.url}/readyz`)).status).toBe(503);
  });

  it('answers 503 and keeps nothing when subscribing or reading history fails', async () => {
    server = await startServer({}, (inner) => ({
      kind: inner.kind,
      presence: inner.presence,
      journal: inner.journal,
      publish: (topic, data, options) => inner.publish(topic, data, options),
      subscribe(topic, listener) {
        if (topic === 'broken') throw new Error('subscribe failed');
        return inner.subscribe(topic, listener);
      },
      history: async () => {
        throw new Error('history failed');
      },
      newestId: () => inner.newestId(),
      historyBefore: (topic, before, limit) => inner.historyBefore(topic, before, limit),
      isReady: () => inner.isReady(),
      onStatus: (listener) => inner.onStatus(listener),
      close: () => inner.close(),
    }));
    // Something newer than the resume's id, so its history must be read.
    await server.memoryBus.publish('fine', '"x"');
    const noSubscribe = await SseReader.open(`${server.url}/sse?topic=fine,broken`);
    const noHistory = await SseReader.open(`${server.url}/sse?topic=fine`, { 'last-event-id': '1-0' });
    for (const reader of [noSubscribe, noHistory]) {
      expect(reader.status).toBe(503);
      expect(((await reader.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    }
    expect(server.app.sseHub.stats()).toEqual({ streams: 0, topics: 0, listeners: 0, heartbeat: false, time: false });
    expect(server.memoryBus.stats()).toEqual({ topics: 0, listeners: 0 });
    expect(await metricValue(server.metrics, 'herald_connections')).toBe(0);
  });
});
