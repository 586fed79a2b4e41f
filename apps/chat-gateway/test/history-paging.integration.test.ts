import { MemoryBus, type Bus } from '@herald/bus';
import { chatTopic, encodeChatPayload, type JoinedMessage } from '@herald/protocol';
import { ChatTestClient } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

const MiB = 1_048_576;
const author = { id: 'writer', name: 'writer' };

afterEach(closeAll);

/** `count` messages of about `size` bytes each, published straight on the bus; their ids in order. */
async function fill(bus: Bus, room: string, count: number, size: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = `${i}:`.padEnd(size, 'x');
    ids.push((await bus.publish(chatTopic(room), encodeChatPayload(room, author, text, Date.now()))).id);
  }
  return ids;
}

async function start(env: Record<string, string> = {}): Promise<TestGateway & { bus: MemoryBus }> {
  const bus = new MemoryBus({ historySize: 1000 });
  const gateway = await startGateway({ RATE_LIMIT: '0', ...env }, { bus });
  return Object.assign(gateway, { bus });
}

/** The raw text of the `joined` frame of `room` (its size on the wire). */
function joinedText(client: ChatTestClient, room: string): string {
  const text = client.texts.find((t) => t.startsWith('{"type":"joined"') && (JSON.parse(t) as JoinedMessage).room === room);
  if (text === undefined) throw new Error('no joined frame');
  return text;
}

describe('joined within MAX_JOIN_HISTORY_BYTES', () => {
  it('with since over more than 1 MiB: the oldest messages after since, within 1 MiB, and more:true', async () => {
    const gateway = await start();
    const ids = await fill(gateway.bus, 'big', 40, 40_000);
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    const joined = await alice.joinRoom('big', ids[2]);
    expect(joined).toMatchObject({ recovered: true, more: true });
    const got = joined.history.map((m) => m.id);
    expect(got.length).toBeGreaterThan(10);
    expect(got).toEqual(ids.slice(3, 3 + got.length));
    expect(Buffer.byteLength(joinedText(alice, 'big'))).toBeLessThanOrEqual(MiB + 1024);
  });

  it('without since: the newest messages that fit, in id order, and more:true (older ones exist)', async () => {
    const gateway = await start();
    const ids = await fill(gateway.bus, 'big', 40, 40_000);
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    const joined = await alice.joinRoom('big');
    const got = joined.history.map((m) => m.id);
    expect(joined.more).toBe(true);
    expect(got.length).toBeGreaterThan(10);
    expect(got).toEqual(ids.slice(ids.length - got.length));
    expect(Buffer.byteLength(joinedText(alice, 'big'))).toBeLessThanOrEqual(MiB + 1024);
  });

  it('says more:false when everything fits, and more:true past HISTORY_ON_JOIN without since', async () => {
    const gateway = await start({ HISTORY_ON_JOIN: '5' });
    const ids = await fill(gateway.bus, 'small', 8, 100);
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    const resumed = await alice.joinRoom('small', ids[0]);
    expect(resumed.history.map((m) => m.id)).toEqual(ids.slice(1));
    expect(resumed.more).toBe(false);
    const bob = await ChatTestClient.named(gateway.ws, 'bob');
    const fresh = await bob.joinRoom('small');
    expect(fresh.history.map((m) => m.id)).toEqual(ids.slice(3));
    expect(fresh.more).toBe(true);
    const carol = await ChatTestClient.named(gateway.ws, 'carol');
    const exact = await carol.joinRoom('small', ids[2]);
    expect(exact).toMatchObject({ more: false, recovered: true });
    expect(exact.history).toHaveLength(5);
  });

  it('always holds one message, even one larger than MAX_JOIN_HISTORY_BYTES', async () => {
    const gateway = await start({ MAX_JOIN_HISTORY_BYTES: '1024' });
    const ids = await fill(gateway.bus, 'wide', 3, 4000);
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    const joined = await alice.joinRoom('wide', '0-0');
    expect(joined.history.map((m) => m.id)).toEqual([ids[0]]);
    expect(joined.more).toBe(true);
  });
});
