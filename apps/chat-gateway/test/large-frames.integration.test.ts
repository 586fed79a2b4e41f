import { afterEach, describe, expect, it } from 'vitest';
import { ChatTestClient } from '@herald/testkit';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

let gateway: TestGateway | undefined;

afterEach(closeAll);

async function connect(name: string): Promise<ChatTestClient> {
  const c = await ChatTestClient.connect(`${gateway!.ws}/ws?name=${name}`);
  await c.next('welcome');
  return c;
}

// A single frame larger than MAX_BUFFERED_BYTES used to count as a backlog: with the
// defaults, joining a room whose last 50 messages were ~60 KB (a 3 MB `joined`) closed
// the joiner with 1013 every time, so it could never join.
describe('frames larger than MAX_BUFFERED_BYTES', () => {
  it('a `joined` with a history larger than the limit reaches a client that reads', async () => {
    // MAX_JOIN_HISTORY_BYTES now keeps a default `joined` within 1 MiB; raised, it shows
    // that one frame over MAX_BUFFERED_BYTES still is not counted as a backlog.
    gateway = await startGateway({ RATE_LIMIT: '0', MAX_JOIN_HISTORY_BYTES: String(4 * 1_048_576) });
    const writer = await connect('writer');
    writer.send({ type: 'join', room: 'big' });
    await writer.next('joined');
    const text = 'x'.repeat(60_000);
    for (let i = 0; i < 50; i++) writer.send({ type: 'send', room: 'big', text, ref: `r${i}` });
    for (let i = 0; i < 50; i++) await writer.next('ack');

    const joiner = await connect('joiner');
    joiner.send({ type: 'join', room: 'big' });
    const joined = await joiner.next('joined');
    expect(joined.history).toHaveLength(50);
    expect(gateway.config.maxBufferedBytes).toBeLessThan(JSON.stringify(joined).length);
  });

  it('a message larger than a small MAX_BUFFERED_BYTES reaches every member that reads', async () => {
    gateway = await startGateway({ RATE_LIMIT: '0', MAX_BUFFERED_BYTES: '16384' });
    const a = await connect('a');
    const b = await connect('b');
    for (const c of [a, b]) {
      c.send({ type: 'join', room: 'r' });
      await c.next('joined');
    }
    a.send({ type: 'send', room: 'r', text: 'y'.repeat(48 * 1024), ref: 'big' });
    expect((await b.next('message')).text).toHaveLength(48 * 1024);
    expect((await a.next('ack')).ref).toBe('big');
  });
});
