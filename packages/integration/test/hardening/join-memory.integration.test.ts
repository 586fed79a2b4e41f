import type { HistoryMessage } from '@herald/protocol';
import { assertAppsBuilt, ChatTestClient, Service, stopAllServices, waitUntil } from '@herald/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { medianRss, MiB } from './proc.js';

/** Growth of the gateway's RSS that fails the test (issue 12: 4 such joins took 285 MiB). */
const RSS_BOUND = 64 * MiB;
const MESSAGES = 1000;
const TEXT_BYTES = 60_000;
const NON_READERS = 4;
const JOINS_EACH = 20;

afterAll(async () => {
  await stopAllServices();
});

/**
 * A client that joins with since 0-0 and then again and again (issue 12's probe: each
 * repeat used to read and frame the whole history anew), and never reads a byte. Its last frame posts to `barrier`: tasks of one connection run in order, so
 * once that message is seen every join before it was handled (unless the connection
 * was cut as a slow consumer first, which drops the rest).
 */
async function nonReader(ws: string, room: string, barrier: string): Promise<WebSocket> {
  const socket = new WebSocket(`${ws}/ws?name=hx-silent`);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.pause();
  for (let i = 0; i < JOINS_EACH; i++) socket.send(JSON.stringify({ type: 'join', room, since: '0-0' }));
  socket.send(JSON.stringify({ type: 'join', room: barrier }));
  socket.send(JSON.stringify({ type: 'send', room: barrier, text: 'done' }));
  return socket;
}

describe('joins with since over 60 MB of history, as a real gateway process', () => {
  it(`keeps RSS growth under ${RSS_BOUND / MiB} MiB while a reading client pages every message once`, async () => {
    assertAppsBuilt(['chat-gateway']);
    const gateway = await Service.start('chat-gateway', { RATE_LIMIT: '0' });
    const room = 'hx-replay';
    const writer = await ChatTestClient.named(gateway.ws, 'hx-writer');
    await writer.joinRoom(room);
    const ids: string[] = [];
    for (let i = 0; i < MESSAGES; i++) ids.push(await writer.say(room, `${i}:`.padEnd(TEXT_BYTES, 'x')));
    await writer.close();
    const before = await medianRss(gateway.pid);

    const barriers = Array.from({ length: NON_READERS }, (_, i) => `hx-barrier-${i}`);
    const watcher = await ChatTestClient.named(gateway.ws, 'hx-watcher');
    for (const barrier of barriers) await watcher.joinRoom(barrier);
    const silent = await Promise.all(barriers.map((barrier) => nonReader(gateway.ws, room, barrier)));
    // Every non-reader either had all its joins handled or was cut (1013) for not reading.
    await waitUntil(
      async () => {
        const done = new Set(watcher.received.flatMap((f) => (f.type === 'message' && f.text === 'done' ? [f.room] : []))).size;
        return done + (await gateway.metric('herald_slow_consumers_closed_total')) >= NON_READERS;
      },
      { timeoutMs: 60_000, message: 'every non-reading client handled or cut' },
    );

    const middle = await medianRss(gateway.pid);
    console.log(`RSS after the non-readers ${(middle / MiB).toFixed(1)} MiB`);
    const reader = await ChatTestClient.named(gateway.ws, 'hx-reader');
    const joined = await reader.joinRoom(room, '0-0');
    expect(joined.more).toBe(true);
    const got = joined.history.map((m) => m.id);
    for (let page = 0, more = true; more; page++) {
      const ref = `p${page}`;
      reader.send({ type: 'history', room, after: got.at(-1), limit: 1000, ref });
      const reply = (await reader.next('history', (f) => f.ref === ref)) as HistoryMessage;
      got.push(...reply.messages.map((m) => m.id));
      more = reply.more;
    }
    expect(got).toEqual(ids);

    const after = await medianRss(gateway.pid);
    console.log(`RSS gateway ${(before / MiB).toFixed(1)} → ${(after / MiB).toFixed(1)} MiB`);
    expect(after - before).toBeLessThan(RSS_BOUND);
    for (const socket of silent) socket.terminate();
    await Promise.all([reader.close(), watcher.close()]);
    expect(await gateway.stop()).toBe(0);
  });
});
