import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue, SseReader, waitUntil } from '@herald/testkit';
import { startServer, type TestServer } from './stream.js';

let server: TestServer | undefined;
let slow: Socket | undefined;
afterEach(async () => {
  slow?.destroy();
  await server?.close();
  server = undefined;
});

describe('a consumer that cannot keep up', () => {
  it('is cut off past MAX_BUFFERED_BYTES while the others keep receiving', async () => {
    server = await startServer({ MAX_BUFFERED_BYTES: '65536' });
    const { port } = new URL(server.url);
    let slowClosed = false;
    let slowBytes = 0;
    slow = connect(Number(port), '127.0.0.1');
    slow.on('data', (chunk) => (slowBytes += chunk.length));
    slow.on('close', () => (slowClosed = true));
    slow.on('error', () => {});
    slow.write('GET /sse?topic=flood HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n');
    await waitUntil(() => slowBytes > 0, { message: 'the slow client to get the response head' });
    // From here on it never reads: the kernel buffers fill, then the server's.
    slow.pause();

    const fast = await SseReader.open(`${server.url}/sse?topic=flood`);
    await waitUntil(() => fast.raw.length > 0, { message: 'the fast client to open' });
    const data = JSON.stringify('x'.repeat(60_000));
    let sent = 0;
    // Publish one event at a time, each once the fast reader has it, until the slow one
    // is cut off; the cap only bounds a broken test (kernel buffers are a few MB).
    while ((await metricValue(server.metrics, 'herald_slow_consumers_closed_total')) === 0) {
      if (sent >= 2000) throw new Error('the slow consumer was never cut off');
      await server.bus.publish('flood', data);
      sent += 1;
      await fast.waitForEvents(sent);
    }

    expect(await metricValue(server.metrics, 'herald_slow_consumers_closed_total')).toBe(1);
    await waitUntil(() => server!.app.sseHub.stats().streams === 1, { message: 'the slow stream to be released' });
    expect(fast.ended).toBe(false);
    const last = await server.bus.publish('flood', '"after"');
    await fast.waitForEvents(sent + 1);
    expect(fast.events.at(-1)!.id).toBe(last.id);

    // Once it reads again it finds its connection closed.
    slow.resume();
    await waitUntil(() => slowClosed, { message: 'the slow client to see its connection closed' });
    fast.close();
  });
});
