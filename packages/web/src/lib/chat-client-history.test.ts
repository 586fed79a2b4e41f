import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient, type ChatEvents } from './chat-client.js';
import { FakeSocket } from '../../test/fakes.js';

const id = (n: number) => `1700000000000-${n}`;
const msg = (n: number, room = 'lobby') => ({ type: 'message', room, id: id(n), from: { id: 'u2', name: 'bob' }, text: `m${n}`, ts: 1 });
const msgs = (...ns: number[]) => ns.map((n) => msg(n));

function client() {
  const c = new ChatClient({
    url: 'ws://gateway.test/ws',
    name: 'alice',
    WebSocket: FakeSocket,
    backoff: { initialMs: 1_000, maxMs: 8_000, factor: 2 },
    random: () => 0.5,
    ackTimeoutMs: 2_000,
  });
  const seen = { messages: [] as string[], missed: [] as ChatEvents['missed'][], errors: [] as ChatEvents['error'][] };
  c.on('message', (m) => seen.messages.push(m.text));
  c.on('missed', (m) => seen.missed.push(m));
  c.on('error', (e) => seen.errors.push(e));
  return { c, seen };
}

/** Joined `lobby` with messages 1..2 delivered, then the connection dropped and came back. */
function rejoined() {
  const { c, seen } = client();
  c.connect();
  FakeSocket.last().accept();
  void c.join('lobby');
  FakeSocket.last().receive({ type: 'joined', room: 'lobby', members: [], history: msgs(1, 2), recovered: true, more: false });
  FakeSocket.last().drop();
  vi.advanceTimersByTime(500);
  const socket = FakeSocket.last();
  socket.accept();
  expect(socket.sentOfType('join')).toEqual([{ type: 'join', room: 'lobby', since: id(2) }]);
  return { c, seen, socket };
}

const lastHistory = (socket: FakeSocket) => socket.sentOfType('history').at(-1)!;

describe('ChatClient history paging', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pages a cut rejoin with after until more:false, holding live messages and dropping those paged', () => {
    const { seen, socket } = rejoined();
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: msgs(3, 4), recovered: true, more: true });
    expect(lastHistory(socket)).toEqual({ type: 'history', room: 'lobby', after: id(4), limit: 1000, ref: expect.any(String) });
    // Live while paging: held; 9 is newer than every page, 6 will come with a page too.
    socket.receive(msg(9));
    socket.receive(msg(6));
    expect(seen.messages).toEqual(['m1', 'm2', 'm3', 'm4']);
    socket.receive({ type: 'history', room: 'lobby', messages: msgs(5, 6), more: true, ref: lastHistory(socket).ref });
    expect(lastHistory(socket)).toMatchObject({ after: id(6) });
    socket.receive({ type: 'history', room: 'lobby', messages: msgs(7, 8), more: false, ref: lastHistory(socket).ref });
    expect(seen.messages).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(socket.sentOfType('history')).toHaveLength(2);
  });

  it('keeps since at the last paged message when the connection drops while paging', () => {
    const { seen, socket } = rejoined();
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: msgs(3), recovered: true, more: true });
    socket.receive(msg(9));
    socket.receive({ type: 'history', room: 'lobby', messages: msgs(4), more: true, ref: lastHistory(socket).ref });
    socket.drop();
    vi.advanceTimersByTime(8_000);
    const next = FakeSocket.last();
    expect(next).not.toBe(socket);
    next.accept();
    // Not 9: 5..8 were never paged, and `since` must not jump over them.
    expect(next.sentOfType('join')).toEqual([{ type: 'join', room: 'lobby', since: id(4) }]);
    expect(seen.messages).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('does not page a first join (no since): its more:true means older messages, for loadOlder', () => {
    const { c, socket } = (() => {
      const made = client();
      made.c.connect();
      FakeSocket.last().accept();
      return { ...made, socket: FakeSocket.last() };
    })();
    void c.join('lobby');
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: msgs(8, 9), recovered: true, more: true });
    expect(socket.sentOfType('history')).toEqual([]);
  });

  it('asks again after rate_limited, and after a page that never came', () => {
    const { socket } = rejoined();
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: msgs(3), recovered: true, more: true });
    socket.receive({ type: 'error', code: 'rate_limited', message: 'slow down', ref: lastHistory(socket).ref });
    expect(socket.sentOfType('history')).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(socket.sentOfType('history')).toHaveLength(2);
    expect(lastHistory(socket)).toMatchObject({ after: id(3) });
    vi.advanceTimersByTime(2_000);
    expect(socket.sentOfType('history')).toHaveLength(3);
  });

  it('tells of a gap a page reports (recovered:false)', () => {
    const { seen, socket } = rejoined();
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: msgs(3), recovered: true, more: true });
    socket.receive({ type: 'history', room: 'lobby', messages: msgs(7), more: false, recovered: false, ref: lastHistory(socket).ref });
    expect(seen.missed).toEqual([{ room: 'lobby', since: id(3) }]);
    expect(seen.messages.at(-1)).toBe('m7');
  });

  it('loadOlder pages back from the oldest delivered message, without message events', async () => {
    const { c, seen } = client();
    c.connect();
    const socket = FakeSocket.last();
    socket.accept();
    void c.join('lobby');
    socket.receive({ type: 'joined', room: 'lobby', members: [], history: msgs(8, 9), recovered: true, more: true });
    const older = c.loadOlder('lobby', 2);
    expect(lastHistory(socket)).toEqual({ type: 'history', room: 'lobby', before: id(8), limit: 2, ref: expect.any(String) });
    socket.receive({ type: 'history', room: 'lobby', messages: msgs(6, 7), more: true, ref: lastHistory(socket).ref });
    await expect(older).resolves.toEqual({ messages: msgs(6, 7), more: true });
    const oldest = c.loadOlder('lobby');
    expect(lastHistory(socket)).toMatchObject({ before: id(6), limit: 100 });
    socket.receive({ type: 'error', code: 'rate_limited', message: 'slow down', ref: lastHistory(socket).ref });
    await expect(oldest).rejects.toMatchObject({ code: 'rate_limited' });
    expect(seen.messages).toEqual(['m8', 'm9']);
    expect(seen.errors).toEqual([]);
    await expect(c.loadOlder('elsewhere')).rejects.toMatchObject({ code: 'not_joined' });
  });
});
