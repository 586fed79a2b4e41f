import { describe, expect, it } from 'vitest';
import { harness, settle } from '../test/fake-socket.js';

const alice = { id: 'alice', name: 'alice' };

describe('Connection (no socket)', () => {
  it('writes the frames of one turn in order, once the turn ends', async () => {
    const h = harness();
    const { conn, socket } = h.connect(alice);
    conn.sendText('{"n":1}');
    conn.sendText('{"n":2}');
    expect(socket.sent).toEqual([]);
    await settle();
    expect(socket.json()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('closes a slow consumer with 1013 instead of queueing more, once', () => {
    const h = harness(1000);
    const { conn, socket } = h.connect(alice);
    socket.bufferedAmount = 1001;
    expect(conn.sendText('{}')).toBe(false);
    expect(socket.closedWith?.code).toBe(1013);
    expect(h.ended).toEqual([conn]);
    expect(conn.sendText('{}')).toBe(false);
    expect(h.ended).toHaveLength(1);
  });

  it('writes what was queued before a close ahead of the close', () => {
    const h = harness();
    const { conn, socket } = h.connect(alice);
    conn.sendText('{"last":true}');
    conn.end(1001, 'bye');
    expect(socket.json()).toEqual([{ last: true }]);
    expect(socket.closedWith).toEqual({ code: 1001, reason: 'bye' });
  });

  it('runs scheduled tasks one after another and keeps replies in request order', async () => {
    const h = harness();
    const { conn, socket } = h.connect(alice);
    const order: string[] = [];
    conn.schedule(async () => {
      await settle();
      order.push('join');
      conn.sendText('{"type":"joined"}');
    });
    conn.reply('{"type":"error"}');
    conn.schedule(async () => void order.push('send'));
    await settle();
    await settle();
    await settle();
    expect(order).toEqual(['join', 'send']);
    expect(socket.json().map((f) => f.type)).toEqual(['joined', 'error']);
  });

  it('pauses reading while too many tasks wait, and resumes when they drain', async () => {
    const h = harness();
    const { conn, socket } = h.connect(alice);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    for (let i = 0; i < 40; i++) conn.schedule(() => gate);
    expect(socket.paused).toBe(true);
    release();
    await settle();
    expect(socket.paused).toBe(false);
  });

  it('reports its end once, however it ends', () => {
    const h = harness();
    const { conn } = h.connect(alice);
    conn.closed();
    conn.end(1000, 'again');
    conn.closed();
    expect(h.ended).toEqual([conn]);
    expect(conn.ending).toBe(true);
  });
});
