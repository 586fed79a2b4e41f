import type { JournalEntry } from '@herald/bus';
import { channelTopic, PusherApps } from '@herald/pusher';
import { describe, expect, it } from 'vitest';
import { encodeClientEventNote, retryDelayMs, takeBatch, toWebhookEvent } from './webhook-batch.js';

const apps = new PusherApps([
  { id: 'a', key: 'key-a', secret: 'secret-aaa' },
  { id: 'b', key: 'key-b', secret: 'secret-bbb' },
]);
let seq = 0;
const entry = (e: Omit<JournalEntry, 'id'> & Record<string, unknown>): JournalEntry => ({ ...e, id: `1-${seq++}` }) as JournalEntry;
const room = (app: string, channel: string) => channelTopic(app, channel);

describe('toWebhookEvent', () => {
  it("maps a channel's transitions to Pusher's webhook events", () => {
    expect(toWebhookEvent(entry({ kind: 'occupied', room: room('a', 'orders') }))).toEqual({ appId: 'a', event: { name: 'channel_occupied', channel: 'orders' } });
    expect(toWebhookEvent(entry({ kind: 'vacated', room: room('a', 'private-x=1') }))).toEqual({ appId: 'a', event: { name: 'channel_vacated', channel: 'private-x=1' } });
    expect(toWebhookEvent(entry({ kind: 'user-joined', room: room('b', 'presence-r'), userId: '7' }))).toEqual({
      appId: 'b',
      event: { name: 'member_added', channel: 'presence-r', user_id: '7' },
    });
    expect(toWebhookEvent(entry({ kind: 'user-left', room: room('b', 'presence-r'), userId: '7' }))?.event).toEqual({
      name: 'member_removed',
      channel: 'presence-r',
      user_id: '7',
    });
  });

  it('maps a journaled client event, with user_id only when it has one', () => {
    const data = encodeClientEventNote({ event: 'client-typing', data: '{"on":true}', socketId: '1.2', userId: 'u1' });
    expect(toWebhookEvent(entry({ kind: 'note', room: room('a', 'presence-r'), data }))?.event).toEqual({
      name: 'client_event',
      channel: 'presence-r',
      event: 'client-typing',
      data: '{"on":true}',
      socket_id: '1.2',
      user_id: 'u1',
    });
    const plain = encodeClientEventNote({ event: 'client-x', data: '1', socketId: '3.4' });
    expect(toWebhookEvent(entry({ kind: 'note', room: room('a', 'private-r'), data: plain }))?.event).toEqual({
      name: 'client_event',
      channel: 'private-r',
      event: 'client-x',
      data: '1',
      socket_id: '3.4',
    });
  });

  it('is nothing for other rooms, user transitions off presence channels, and foreign notes', () => {
    expect(toWebhookEvent(entry({ kind: 'occupied', room: 'chat.lobby' }))).toBeUndefined();
    expect(toWebhookEvent(entry({ kind: 'user-joined', room: room('a', 'private-r'), userId: 'x' }))).toBeUndefined();
    expect(toWebhookEvent(entry({ kind: 'note', room: room('a', 'private-r'), data: 'not json' }))).toBeUndefined();
    expect(toWebhookEvent(entry({ kind: 'note', room: room('a', 'private-r'), data: '{"e":1}' }))).toBeUndefined();
  });
});

describe('takeBatch', () => {
  it("takes one app's run in order, passing over entries that are no webhook", () => {
    const entries = [
      entry({ kind: 'occupied', room: 'chat.lobby' }),
      entry({ kind: 'occupied', room: room('a', 'one') }),
      entry({ kind: 'occupied', room: room('unknown-app', 'one') }),
      entry({ kind: 'vacated', room: room('a', 'one') }),
      entry({ kind: 'occupied', room: room('b', 'two') }),
      entry({ kind: 'vacated', room: room('a', 'three') }),
    ];
    const batch = takeBatch(entries, apps, 100)!;
    expect(batch.appId).toBe('a');
    expect(batch.events.map((e) => `${e.name}:${e.channel}`)).toEqual(['channel_occupied:one', 'channel_vacated:one']);
    expect(batch.lastId).toBe(entries[3]!.id);
    const next = takeBatch(entries.slice(4), apps, 100)!;
    expect([next.appId, next.events.length, next.lastId]).toEqual(['b', 1, entries[4]!.id]);
  });

  it('stops at maxEvents; entries with nothing to send still move the cursor', () => {
    const entries = Array.from({ length: 5 }, (_, i) => entry({ kind: 'occupied', room: room('a', `c${i}`) }));
    const batch = takeBatch(entries, apps, 3)!;
    expect(batch.events).toHaveLength(3);
    expect(batch.lastId).toBe(entries[2]!.id);
    const nothing = [entry({ kind: 'occupied', room: 'chat.x' }), entry({ kind: 'vacated', room: 'chat.x' })];
    expect(takeBatch(nothing, apps, 3)).toEqual({ appId: undefined, events: [], lastId: nothing[1]!.id });
    expect(takeBatch([], apps, 3)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base up to the cap', () => {
    expect([0, 1, 2, 3, 4, 10, 1000].map((n) => retryDelayMs(n, 250, 3000))).toEqual([250, 500, 1000, 2000, 3000, 3000, 3000]);
  });
});
