import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient } from './chat-client.js';
import { FakeSocket } from '../../test/fakes.js';

type Options = Partial<ConstructorParameters<typeof ChatClient>[0]>;

/** Connected and in `lobby`; random 0.5 makes the backoff delays 500, 1000, 2000 ms. */
async function joined(overrides: Options = {}) {
  const c = new ChatClient({
    url: 'ws://gateway.test/ws',
    name: 'alice',
    WebSocket: FakeSocket,
    backoff: { initialMs: 1_000, maxMs: 8_000, factor: 2 },
    random: () => 0.5,
    ackTimeoutMs: 2_000,
    ...overrides,
  });
  const errors: string[] = [];
  c.on('error', (e) => errors.push(e.code));
  c.connect();
  FakeSocket.last().accept();
  const join = c.join('lobby');
  FakeSocket.last().receive({ type: 'joined', room: 'lobby', members: [], history: [], recovered: true, more: false });
  await join;
  return { c, errors };
}

const unavailable = (ref: unknown) => ({ type: 'error', code: 'unavailable', message: 'message bus unavailable', ref });

describe('ChatClient send retries (fake socket)', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a refused send again after the backoff delay, with the same ref and text, and resolves on its ack', async () => {
    const { c, errors } = await joined();
    const socket = FakeSocket.last();
    const sent = c.send('lobby', 'hello');
    const first = socket.sentOfType('send');
    expect(first).toHaveLength(1);
    socket.receive(unavailable(first[0]!.ref));
    await vi.advanceTimersByTimeAsync(499);
    expect(socket.sentOfType('send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const again = socket.sentOfType('send');
    expect(again).toEqual([first[0], first[0]]);
    socket.receive({ type: 'ack', ref: first[0]!.ref, id: '1700000000000-7' });
    await expect(sent).resolves.toBe('1700000000000-7');
    expect(errors).toEqual([]);
  });

  it('gives up after sendAttempts tries with a clear unavailable ClientError, waiting longer each time', async () => {
    const { c } = await joined({ sendAttempts: 3 });
    const socket = FakeSocket.last();
    const sent = c.send('lobby', 'hello');
    const outcome = sent.catch((e: unknown) => e);
    // Full jitter at 0.5 of a ceiling that doubles: 500 ms, then 1000 ms.
    for (const [i, delayMs] of [500, 1_000].entries()) {
      socket.receive(unavailable(socket.sentOfType('send')[i]!.ref));
      await vi.advanceTimersByTimeAsync(delayMs - 1);
      expect(socket.sentOfType('send')).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(socket.sentOfType('send')).toHaveLength(i + 2);
    }
    socket.receive(unavailable(socket.sentOfType('send')[2]!.ref));
    const error = await outcome;
    expect(error).toMatchObject({ name: 'ClientError', code: 'unavailable', ref: socket.sentOfType('send')[0]!.ref });
    expect((error as Error).message).toMatch(/gave up after 3 attempts/);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.sentOfType('send')).toHaveLength(3);
  });

  it('does not retry other refusals, nor an ack timeout on an open connection, nor with sendAttempts 1', async () => {
    const { c } = await joined({ sendAttempts: 1 });
    const socket = FakeSocket.last();
    const once = c.send('lobby', 'a');
    socket.receive(unavailable(socket.sentOfType('send')[0]!.ref));
    await expect(once).rejects.toMatchObject({ code: 'unavailable' });
    const { c: c2 } = await joined();
    const socket2 = FakeSocket.last();
    const tooBig = c2.send('lobby', 'b');
    socket2.receive({ type: 'error', code: 'too_large', message: 'too large', ref: socket2.sentOfType('send')[0]!.ref });
    await expect(tooBig).rejects.toMatchObject({ code: 'too_large' });
    const slow = c2.send('lobby', 'c');
    const slowOutcome = slow.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await slowOutcome).toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket2.sentOfType('send')).toHaveLength(2);
  });

  it('with resendAfterDrop, sends again on the next connection after the rejoin, with the same ref', async () => {
    const { c } = await joined({ resendAfterDrop: true });
    const first = FakeSocket.last();
    const sent = c.send('lobby', 'through the failover');
    const frame = first.sentOfType('send')[0]!;
    first.drop();
    // Reconnect after 500 ms (backoff), the resend is due after its own 500 ms.
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.accept();
    await vi.advanceTimersByTimeAsync(500);
    expect(second.sent.map((f) => (f as { type: string }).type)).toEqual(['join', 'send']);
    expect(second.sentOfType('send')).toEqual([frame]);
    second.receive({ type: 'ack', ref: frame.ref, id: '1700000000000-9' });
    await expect(sent).resolves.toBe('1700000000000-9');
  });

  it('with resendAfterDrop, fails with not_connected when no connection comes back in ackTimeoutMs', async () => {
    const { c } = await joined({ resendAfterDrop: true, backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1 } });
    const sent = c.send('lobby', 'lost');
    const outcome = sent.catch((e: unknown) => e);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(30_000 + 2_000);
    expect(await outcome).toMatchObject({ code: 'not_connected', message: expect.stringMatching(/not reconnected within 2000 ms/) });
  });

  it('close() during the backoff delay fails the send with closed and sends nothing more', async () => {
    const { c } = await joined();
    const socket = FakeSocket.last();
    const sent = c.send('lobby', 'x');
    socket.receive(unavailable(socket.sentOfType('send')[0]!.ref));
    c.close();
    await expect(sent).rejects.toMatchObject({ code: 'closed' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.sentOfType('send')).toHaveLength(1);
  });

  it('refuses a bad sendAttempts up front', () => {
    for (const sendAttempts of [0, 1.5, Number.NaN]) {
      expect(() => new ChatClient({ url: 'ws://gateway.test/ws', WebSocket: FakeSocket, sendAttempts })).toThrow(/sendAttempts/);
    }
  });
});
