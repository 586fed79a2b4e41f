import { afterEach, describe, expect, it } from 'vitest';
import { ChatTestClient, metricValue } from '@herald/testkit';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

let gateway: TestGateway | undefined;

async function start(env: Record<string, string> = {}): Promise<TestGateway> {
  gateway = await startGateway({ RATE_LIMIT: '0', ...env });
  return gateway;
}

async function client(name: string, room?: string): Promise<ChatTestClient> {
  const { client: c } = await ChatTestClient.join(gateway!.ws, name, room);
  return c;
}

/** The connection still works: a send round-trips to an ack. */
async function stillWorks(c: ChatTestClient, room = 'r1'): Promise<void> {
  c.send({ type: 'send', room, text: 'still here', ref: 'alive' });
  expect(await c.next('ack', (f) => f.ref === 'alive')).toMatchObject({ id: expect.any(String) });
}

afterEach(closeAll);

describe('bad input gets an error frame and nothing else', () => {
  it.each([
    ['invalid JSON', '{"type":', /invalid JSON/],
    ['a JSON array', '[1,2]', /object/],
    ['no type', '{"room":"r1"}', /type/],
    ['an unknown type', '{"type":"dance","ref":"u1"}', /unknown message type "dance"/],
    ['a bad room name', '{"type":"join","room":"no spaces allowed"}', /"room"/],
    ['a missing text', '{"type":"send","room":"r1","ref":"s1"}', /text/],
    ['an empty text', '{"type":"send","room":"r1","text":""}', /text/],
    ['a bad since', '{"type":"join","room":"r1","since":"yesterday"}', /"since"/],
  ])('bad_request for %s', async (_what, frame, message) => {
    await start();
    const c = await client('alice', 'r1');
    c.sendRaw(frame);
    const error = await c.next('error');
    expect(error).toMatchObject({ type: 'error', code: 'bad_request', message: expect.stringMatching(message) });
    await stillWorks(c);
  });

  it('echoes the ref of a refused message', async () => {
    await start();
    const c = await client('alice', 'r1');
    c.send({ type: 'send', room: 'r1', text: 5, ref: 'bad-text' });
    expect(await c.next('error')).toMatchObject({ code: 'bad_request', ref: 'bad-text' });
  });

  it('bad_request for a binary frame', async () => {
    await start();
    const c = await client('alice', 'r1');
    c.sendRaw(Buffer.from(JSON.stringify({ type: 'send', room: 'r1', text: 'x' })), { binary: true });
    expect(await c.next('error')).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/binary/) });
    await stillWorks(c);
  });

  it('not_joined for a send before join', async () => {
    await start();
    const c = await client('alice');
    c.send({ type: 'send', room: 'r1', text: 'hi', ref: 'early' });
    expect(await c.next('error')).toEqual({
      type: 'error',
      code: 'not_joined',
      message: expect.stringMatching(/join room "r1"/),
      ref: 'early',
    });
    c.send({ type: 'join', room: 'r1' });
    await c.next('joined');
    await stillWorks(c);
  });

  it('too_large for a frame over MAX_MESSAGE_BYTES, and the connection stays', async () => {
    await start({ MAX_MESSAGE_BYTES: '1024' });
    const c = await client('alice', 'r1');
    c.send({ type: 'send', room: 'r1', text: 'x'.repeat(1500), ref: 'big' });
    expect(await c.next('error')).toMatchObject({ code: 'too_large', message: expect.stringMatching(/1024/) });
    await stillWorks(c);
    expect(c.count('message', (f) => f.text.length === 1500)).toBe(0);
  });

  it('closes with 1009 on a frame above the hard cap', async () => {
    await start({ MAX_MESSAGE_BYTES: '1024' });
    const c = await client('alice', 'r1');
    c.sendRaw('x'.repeat(64 * 1024));
    expect((await c.closed).code).toBe(1009);
  });

  it('bad_request past the rooms-per-connection cap', async () => {
    // The join bucket (JOIN_BURST 100) would refuse the 101st first: off here.
    await start({ JOIN_RATE_LIMIT: '0' });
    const c = await client('alice');
    for (let i = 0; i < 100; i++) c.send({ type: 'join', room: `room-${i}` });
    c.send({ type: 'join', room: 'one-too-many' });
    expect(await c.next('error')).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/at most 100 rooms/) });
    expect(c.count('joined')).toBe(100);
    c.send({ type: 'join', room: 'room-5' });
    expect(await c.next('joined', (f) => f.room === 'room-5')).toMatchObject({ room: 'room-5' });
  });

  it('rate_limited past RATE_LIMIT, and the connection works again afterwards', async () => {
    await start({ RATE_LIMIT: '5' });
    const c = await client('alice');
    c.send({ type: 'join', room: 'r1' });
    for (let i = 0; i < 20; i++) c.send({ type: 'send', room: 'r1', text: `m${i}`, ref: `r${i}` });
    const limited = await c.next('error');
    expect(limited).toMatchObject({ code: 'rate_limited', ref: expect.stringMatching(/^r\d+$/) });
    expect(await metricValue(gateway!.metrics, 'herald_messages_dropped_total')).toBeGreaterThan(0);
    // Tokens come back at 5 per second: keep trying until one send is accepted.
    for (let attempt = 0; ; attempt++) {
      const ref = `later-${attempt}`;
      c.send({ type: 'send', room: 'r1', text: 'after the burst', ref });
      const reply = await c.next(['ack', 'error'], (f) => f.ref === ref);
      if (reply.type === 'ack') break;
      expect(reply.code).toBe('rate_limited');
      expect(attempt).toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('never lets one connection disturb another', async () => {
    await start({ MAX_MESSAGE_BYTES: '1024' });
    const bob = await client('bob', 'r1');
    const mallory = await client('mallory', 'r1');
    mallory.sendRaw('{{{');
    mallory.sendRaw(Buffer.from([0xff, 0x00]), { binary: true });
    mallory.send({ type: 'send', room: 'r1', text: 'y'.repeat(2000) });
    mallory.sendRaw('x'.repeat(64 * 1024));
    await mallory.closed;
    bob.send({ type: 'send', room: 'r1', text: 'fine', ref: 'b' });
    await bob.next('ack');
    expect(await bob.next('message', (f) => f.text === 'fine')).toMatchObject({ from: { id: 'bob' } });
    expect(bob.count('error')).toBe(0);
  });
});
