import { MemoryBus, RedisBus, type Bus } from '@herald/bus';
import { chatTopic, encodeChatPayload, type JoinedMessage } from '@herald/protocol';
import { ChatTestClient, deleteKeys, REDIS_TEST_URL, redisAvailable, uniquePrefix } from '@herald/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

const MiB = 1_048_576;
const author = { id: 'writer', name: 'writer' };

const up = await redisAvailable();
const prefix = uniquePrefix('paging');
afterEach(closeAll);
afterAll(async () => {
  if (up) await deleteKeys(prefix);
});

/** `count` messages of about `size` bytes each, published straight on the bus; their ids in order. */
async function fill(bus: Bus, room: string, count: number, size: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = `${i}:`.padEnd(size, 'x');
    ids.push((await bus.publish(chatTopic(room), encodeChatPayload(room, author, text, Date.now()))).id);
  }
  return ids;
}

type Kind = 'memory' | 'redis';

/** A gateway over a fresh bus of `kind` (Redis: this run's own key prefix). */
async function start(env: Record<string, string> = {}, kind: Kind = 'memory'): Promise<TestGateway & { bus: Bus }> {
  let bus: Bus = new MemoryBus({ historySize: 1000 });
  if (kind === 'redis') {
    const redis = new RedisBus({ url: REDIS_TEST_URL, historySize: 1000, keyPrefix: `${prefix}${Math.random().toString(36).slice(2, 8)}:` });
    if (!(await redis.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
    bus = redis;
  }
  const gateway = await startGateway({ RATE_LIMIT: '0', ...env }, { bus });
  return Object.assign(gateway, { bus });
}

/** The raw text of the `joined` frame of `room` (its size on the wire). */
function joinedText(client: ChatTestClient, room: string): string {
  const text = client.texts.find((t) => t.startsWith('{"type":"joined"') && (JSON.parse(t) as JoinedMessage).room === room);
  if (text === undefined) throw new Error('no joined frame');
  return text;
}

type Page = { type: 'history'; room: string; messages: Array<{ id: string }>; more: boolean; recovered?: false; ref?: string };

let refs = 0;
/** One `history` request; resolves with its reply (matched by ref) and the reply's size on the wire. */
async function page(client: ChatTestClient, request: Record<string, unknown>): Promise<Page & { bytes: number }> {
  const ref = `p${++refs}`;
  const mark = client.texts.length;
  client.send({ type: 'history', ...request, ref });
  const reply = (await client.next(['history', 'error'], (f) => f.ref === ref)) as unknown as Page | { type: 'error'; code: string };
  if (reply.type === 'error') throw new Error(`history refused: ${reply.code}`);
  const text = client.texts.slice(mark).find((t) => t.includes(`"ref":"${ref}"`))!;
  return { ...reply, bytes: Buffer.byteLength(text) };
}

describe.each([['memory'], ['redis']] as Array<[Kind]>)('on the %s bus', (kind) => {
  describe.skipIf(kind === 'redis' && !up)('joined within MAX_JOIN_HISTORY_BYTES', () => {
    it('with since over more than 1 MiB: the oldest messages after since, within 1 MiB, and more:true', async () => {
      const gateway = await start({}, kind);
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
      const gateway = await start({}, kind);
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
      const gateway = await start({ HISTORY_ON_JOIN: '5' }, kind);
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
      const gateway = await start({ MAX_JOIN_HISTORY_BYTES: '1024' }, kind);
      const ids = await fill(gateway.bus, 'wide', 3, 4000);
      const alice = await ChatTestClient.named(gateway.ws, 'alice');
      const joined = await alice.joinRoom('wide', '0-0');
      expect(joined.history.map((m) => m.id)).toEqual([ids[0]]);
      expect(joined.more).toBe(true);
    });
  });

  describe.skipIf(kind === 'redis' && !up)('history paging', () => {
    it('pages after a cut joined: every message once, in order; a live message during paging arrives once, live', async () => {
      const gateway = await start({}, kind);
      const ids = await fill(gateway.bus, 'big', 60, 40_000);
      const bob = await ChatTestClient.named(gateway.ws, 'bob');
      await bob.joinRoom('big');
      const alice = await ChatTestClient.named(gateway.ws, 'alice');
      const joined = await alice.joinRoom('big', ids[0]);
      expect(joined.more).toBe(true);
      const paged = joined.history.map((m) => m.id);
      let live: string | undefined;
      let more = true;
      let pages = 0;
      while (more) {
        const reply = await page(alice, { room: 'big', after: paged.at(-1), limit: 1000 });
        expect(reply.bytes).toBeLessThanOrEqual(MiB + 1024);
        paged.push(...reply.messages.map((m) => m.id));
        more = reply.more;
        pages += 1;
        // Published between two pages: newer than what the join read, so it comes live.
        live ??= await bob.say('big', 'live during paging');
      }
      expect(pages).toBeGreaterThan(1);
      expect(paged).toEqual(ids.slice(1));
      await alice.next('message', (m) => m.id === live);
      expect(alice.received.filter((f) => f.type === 'message').map((f) => (f as { id: string }).id)).toEqual([live]);
      // Paging on past the live message now reads plain history again: nothing newer.
      expect(await page(alice, { room: 'big', after: live })).toMatchObject({ messages: [], more: false });
    });

    it('pages back with before from a joined without since to the oldest message', async () => {
      const gateway = await start({}, kind);
      const ids = await fill(gateway.bus, 'big', 60, 40_000);
      const alice = await ChatTestClient.named(gateway.ws, 'alice');
      const joined = await alice.joinRoom('big');
      expect(joined.more).toBe(true);
      let held = joined.history.map((m) => m.id);
      let more = true;
      while (more) {
        const reply = await page(alice, { room: 'big', before: held[0], limit: 7 });
        expect(reply.messages.length).toBeLessThanOrEqual(7);
        held = [...reply.messages.map((m) => m.id), ...held];
        more = reply.more;
      }
      expect(held).toEqual(ids);
    });
  });
});

describe('the history request', () => {
  it('honours limit, and says recovered:false when history no longer reaches after', async () => {
    const bus = new MemoryBus({ historySize: 5 });
    const gateway = await startGateway({ RATE_LIMIT: '0' }, { bus });
    const ids = await fill(bus, 'r', 10, 10);
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    await alice.joinRoom('r');
    expect(await page(alice, { room: 'r', after: ids[6], limit: 2 })).toMatchObject({ messages: [{ id: ids[7] }, { id: ids[8] }], more: true });
    expect(await page(alice, { room: 'r', after: ids[7] })).toMatchObject({ messages: [{ id: ids[8] }, { id: ids[9] }], more: false });
    const trimmed = await page(alice, { room: 'r', after: ids[0] });
    expect(trimmed).toMatchObject({ recovered: false, more: false });
    expect(trimmed.messages.map((m) => m.id)).toEqual(ids.slice(5));
  });

  it('answers not_joined to a connection that is not in the room; the connection goes on', async () => {
    const gateway = await start();
    await fill(gateway.bus, 'r', 3, 10);
    const carol = await ChatTestClient.named(gateway.ws, 'carol');
    await carol.joinRoom('other');
    carol.send({ type: 'history', room: 'r', after: '0-0', ref: 'nj' });
    expect(await carol.next('error')).toMatchObject({ code: 'not_joined', ref: 'nj', message: expect.stringContaining('"r"') });
    expect(carol.count('history')).toBe(0);
    expect(await carol.say('other', 'still here')).toMatch(/^\d+-\d+$/);
  });

  it.each([
    ['after and before', { after: '1-0', before: '2-0' }, /exactly one of "after"/],
    ['neither', {}, /exactly one of "after"/],
    ['a bad id', { after: 'latest' }, /"after" must be a message id/],
    ['a limit over the max', { before: '9-0', limit: 5000 }, /"limit" must be a whole number from 1 to 1000/],
  ])('refuses a history request with %s as bad_request; the connection goes on', async (_name, fields, message) => {
    const gateway = await start();
    const ids = await fill(gateway.bus, 'r', 2, 10);
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    await alice.joinRoom('r');
    alice.send({ type: 'history', room: 'r', ...fields, ref: 'bad' });
    expect(await alice.next('error')).toMatchObject({ code: 'bad_request', ref: 'bad', message: expect.stringMatching(message) });
    expect(await page(alice, { room: 'r', after: '0-0' })).toMatchObject({ messages: [{ id: ids[0] }, { id: ids[1] }], more: false });
  });

  it('spends from the join bucket: a history storm gets rate_limited with its ref', async () => {
    const gateway = await start({ JOIN_RATE_LIMIT: '1', JOIN_BURST: '2' });
    const alice = await ChatTestClient.named(gateway.ws, 'alice');
    await alice.joinRoom('r');
    // One token left and 1/s of refill: ten at once cannot all pass unless the machine stalls for 8 s.
    for (let i = 0; i < 10; i++) alice.send({ type: 'history', room: 'r', after: '0-0', ref: `h${i}` });
    await alice.next('history', (f) => f.ref === 'h0');
    const refused = await alice.next('error', (f) => f.code === 'rate_limited');
    expect(refused.ref).toMatch(/^h\d$/);
    const { values } = await gateway.metrics.limitRefusals.get();
    expect(values.find((v) => v.labels.limit === 'history')?.value).toBeGreaterThan(0);
  });
});
