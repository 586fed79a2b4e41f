import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient, type ChatEvents } from './chat-client.js';
import type { ConnectionState } from './connection-state.js';
import { FakeSocket } from '../../test/fakes.js';

const msg = (n: number, room = 'lobby') => ({
  type: 'message',
  room,
  id: `1700000000000-${n}`,
  from: { id: 'u2', name: 'bob' },
  text: `m${n}`,
  ts: 1700000000000,
});

function client(overrides: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}) {
  const c = new ChatClient({
    url: 'ws://gateway.test/ws',
    name: 'alice',
    WebSocket: FakeSocket,
    backoff: { initialMs: 1_000, maxMs: 8_000, factor: 2 },
    random: () => 0.5,
    ackTimeoutMs: 2_000,
    ...overrides,
  });
  const seen = {
    messages: [] as string[],
    states: [] as ConnectionState[],
    missed: [] as ChatEvents['missed'][],
    members: [] as ChatEvents['members'][],
    errors: [] as ChatEvents['error'][],
  };
  c.on('message', (m) => seen.messages.push(m.text));
  c.on('state', (s) => seen.states.push(s));
  c.on('missed', (m) => seen.missed.push(m));
  c.on('members', (m) => seen.members.push(m));
  c.on('error', (e) => seen.errors.push(e));
  return { c, seen };
}

describe('ChatClient (fake socket)', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects with the name in the URL and is open after welcome', () => {
    const { c, seen } = client();
    c.connect();
    expect(FakeSocket.last().url).toBe('ws://gateway.test/ws?name=alice');
    expect(c.state).toEqual({ state: 'connecting', attempt: 0 });
    FakeSocket.last().accept();
    expect(c.state).toEqual({ state: 'open' });
    expect(c.user).toEqual({ id: 'u1', name: 'alice' });
    expect(seen.states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('join resolves on joined, delivers history and tracks members from presence', async () => {
    const { c, seen } = client();
    c.connect();
    const socket = FakeSocket.last();
    socket.accept();
    const joined = c.join('lobby');
    expect(socket.sentOfType('join')).toEqual([{ type: 'join', room: 'lobby' }]);
    socket.receive({ type: 'joined', room: 'lobby', members: [{ id: 'u1', name: 'alice' }], history: [msg(1)], recovered: true });
    await expect(joined).resolves.toMatchObject({ room: 'lobby' });
    socket.receive({ type: 'presence', room: 'lobby', event: 'join', user: { id: 'u2', name: 'bob' } });
    expect(c.members('lobby').map((u) => u.name)).toEqual(['alice', 'bob']);
    socket.receive({ type: 'presence', room: 'lobby', event: 'leave', user: { id: 'u1', name: 'alice' } });
    expect(seen.members.at(-1)).toEqual({ room: 'lobby', members: [{ id: 'u2', name: 'bob' }] });
    expect(seen.messages).toEqual(['m1']);
  });

  it('send resolves with the ack id, rejects on an error with its ref, on timeout and on close', async () => {
    const { c, seen } = client();
    c.connect();
    const socket = FakeSocket.last();
    socket.accept();
    const ok = c.send('lobby', 'hi');
    const ref = socket.sentOfType('send')[0]?.ref as string;
    socket.receive({ type: 'ack', ref, id: '1700000000000-5' });
    await expect(ok).resolves.toBe('1700000000000-5');

    const refused = c.send('lobby', 'x'.repeat(10));
    const ref2 = socket.sentOfType('send')[1]?.ref as string;
    socket.receive({ type: 'error', code: 'not_joined', message: 'join first', ref: ref2 });
    await expect(refused).rejects.toMatchObject({ code: 'not_joined', ref: ref2 });

    const slow = c.send('lobby', 'slow');
    vi.advanceTimersByTime(2_000);
    await expect(slow).rejects.toMatchObject({ code: 'timeout' });

    const cut = c.send('lobby', 'cut');
    socket.drop();
    await expect(cut).rejects.toMatchObject({ code: 'closed' });
    await expect(c.send('lobby', 'offline')).rejects.toMatchObject({ code: 'not_connected' });
    expect(seen.errors).toEqual([]);
  });

  it('reports errors nobody waits for, and frames that are not JSON, without closing', () => {
    const { c, seen } = client();
    c.connect();
    const socket = FakeSocket.last();
    socket.accept();
    socket.receive({ type: 'error', code: 'rate_limited', message: 'slow down' });
    socket.receive('not json');
    expect(seen.errors.map((e) => e.code)).toEqual(['rate_limited', 'protocol']);
    expect(c.state.state).toBe('open');
  });

  it('reconnects with growing jittered delays and rejoins from the last delivered id, once per message', async () => {
    const { c, seen } = client();
    c.connect();
    let socket = FakeSocket.last();
    socket.accept();
    void c.join('lobby');
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: [msg(1), msg(2)], recovered: true });
    socket.receive(msg(3));
    socket.drop(1001);
    expect(c.state).toMatchObject({ state: 'reconnecting', attempt: 1, delayMs: 500 });

    vi.advanceTimersByTime(500);
    FakeSocket.last().drop(); // refused
    expect(c.state).toMatchObject({ state: 'reconnecting', attempt: 2, delayMs: 1_000 });
    vi.advanceTimersByTime(1_000);
    socket = FakeSocket.last();
    expect(FakeSocket.instances).toHaveLength(3);
    socket.accept();
    expect(socket.sentOfType('join')).toEqual([{ type: 'join', room: 'lobby', since: '1700000000000-3' }]);
    // A live frame can race the replay; both paths deliver each message once.
    socket.receive(msg(5));
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: [msg(3), msg(4), msg(5)], recovered: true });
    socket.receive(msg(5));
    socket.receive(msg(6));
    expect(seen.messages).toEqual(['m1', 'm2', 'm3', 'm5', 'm4', 'm6']);
    expect(seen.missed).toEqual([]);
  });

  it('resets the backoff once a connection stayed up for stableAfterMs', () => {
    const { c } = client({ stableAfterMs: 3_000 });
    c.connect();
    FakeSocket.last().drop();
    vi.advanceTimersByTime(500);
    FakeSocket.last().drop();
    expect(c.state).toMatchObject({ attempt: 2 });
    vi.advanceTimersByTime(1_000);
    FakeSocket.last().accept();
    vi.advanceTimersByTime(3_000);
    FakeSocket.last().drop();
    expect(c.state).toMatchObject({ state: 'reconnecting', attempt: 1, delayMs: 500 });
  });

  it('reconnectNow skips the remaining delay, and only while reconnecting', () => {
    const { c } = client();
    c.connect();
    c.reconnectNow();
    expect(FakeSocket.instances).toHaveLength(1);
    FakeSocket.last().drop();
    c.reconnectNow();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(c.state).toEqual({ state: 'connecting', attempt: 1 });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(2);
  });

  it('says so when a rejoin could not recover everything', () => {
    const { c, seen } = client();
    c.connect();
    FakeSocket.last().accept();
    void c.join('lobby');
    FakeSocket.last().receive({ type: 'joined', room: 'lobby', members: [], history: [msg(1)], recovered: true });
    FakeSocket.last().drop();
    vi.advanceTimersByTime(500);
    FakeSocket.last().accept();
    FakeSocket.last().receive({ type: 'joined', room: 'lobby', members: [], history: [msg(9)], recovered: false });
    expect(seen.missed).toEqual([{ room: 'lobby', since: '1700000000000-1' }]);
    expect(seen.messages).toEqual(['m1', 'm9']);
  });

  it('leave stops delivery and rejoining; close() stops reconnecting', async () => {
    const { c, seen } = client();
    c.connect();
    const socket = FakeSocket.last();
    socket.accept();
    void c.join('lobby');
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: [], recovered: true });
    const left = c.leave('lobby');
    socket.receive(msg(1));
    socket.receive({ type: 'left', room: 'lobby' });
    await expect(left).resolves.toBeUndefined();
    expect(seen.messages).toEqual([]);
    expect(c.rooms()).toEqual([]);

    c.close();
    expect(c.state).toEqual({ state: 'closed' });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('queues a join made before connecting and refuses a bad room name', async () => {
    const { c } = client();
    await expect(c.join('no spaces')).rejects.toMatchObject({ code: 'bad_request' });
    const joined = c.join('lobby');
    c.connect();
    FakeSocket.last().accept();
    expect(FakeSocket.last().sentOfType('join')).toEqual([{ type: 'join', room: 'lobby' }]);
    FakeSocket.last().receive({ type: 'joined', room: 'lobby', members: [], history: [], recovered: true });
    await expect(joined).resolves.toMatchObject({ recovered: true });
  });

  it('refuses bad options up front', () => {
    expect(() => client({ url: 'http://x/ws' })).toThrow(/ws:\/\//);
    expect(() => client({ ackTimeoutMs: 0 })).toThrow(/ackTimeoutMs/);
    expect(() => client({ backoff: { factor: 0 } })).toThrow(/factor/);
  });

  it('asks a token function again before every reconnect (a 4401 comes back with a fresh token)', async () => {
    let n = 0;
    const { c } = client({ name: undefined, token: () => `t${(n += 1)}` });
    c.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.last().url).toBe('ws://gateway.test/ws?token=t1');
    FakeSocket.last().accept();
    FakeSocket.last().drop(4401);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.last().url).toBe('ws://gateway.test/ws?token=t2');
    c.close();
  });

  it('refresh resolves with the new exp, rejects on a refused token, and forgets rooms the gateway left', async () => {
    const { c } = client();
    const left: ChatEvents['left'][] = [];
    c.on('left', (l) => left.push(l));
    c.connect();
    const socket = FakeSocket.last();
    socket.accept();
    const joined = c.join('board');
    socket.receive({ type: 'joined', room: 'board', members: [], history: [], recovered: true });
    await joined;
    const ok = c.refresh('new-token');
    expect(socket.sent.at(-1)).toEqual({ type: 'refresh', token: 'new-token' });
    socket.receive({ type: 'left', room: 'board', reason: 'forbidden' });
    socket.receive({ type: 'refreshed', exp: 1234 });
    expect(await ok).toBe(1234);
    expect(left).toEqual([{ room: 'board', reason: 'forbidden' }]);
    expect(c.rooms()).toEqual([]);
    const refused = c.refresh('bad');
    socket.receive({ type: 'error', code: 'unauthorized', message: 'invalid token' });
    await expect(refused).rejects.toMatchObject({ code: 'unauthorized' });
    c.close();
  });
});
