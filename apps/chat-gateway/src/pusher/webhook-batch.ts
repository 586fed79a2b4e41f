import type { JournalEntry } from '@herald/bus';
import { channelInfo, parseChannelTopic, type PusherApps, type WebhookEvent } from '@herald/pusher';
import { parseWireObject } from './bus-payload.js';

/** A client event as the journal keeps it until its `client_event` webhook is sent. */
export interface ClientEventNote {
  readonly event: string;
  readonly data: string;
  readonly socketId: string;
  /** Presence channels: the sender's user id. */
  readonly userId?: string | undefined;
}

export function encodeClientEventNote(note: ClientEventNote): string {
  const wire: Record<string, string> = { e: note.event, d: note.data, s: note.socketId };
  if (note.userId !== undefined) wire.u = note.userId;
  return JSON.stringify(wire);
}

function decodeClientEventNote(text: string): ClientEventNote | undefined {
  const wire = parseWireObject(text);
  if (wire === undefined) return undefined;
  const { e, d, s, u } = wire;
  if (typeof e !== 'string' || typeof d !== 'string' || typeof s !== 'string') return undefined;
  if (u !== undefined && typeof u !== 'string') return undefined;
  return { event: e, data: d, socketId: s, userId: u };
}

/**
 * The webhook event of a journal entry, with its app; undefined for an entry that is
 * not one (another room's, a user transition outside a presence channel, a note
 * this module did not write).
 */
export function toWebhookEvent(entry: JournalEntry): { appId: string; event: WebhookEvent } | undefined {
  const topic = parseChannelTopic(entry.room);
  if (!topic) return undefined;
  const { appId, channel } = topic;
  switch (entry.kind) {
    case 'occupied':
      return { appId, event: { name: 'channel_occupied', channel } };
    case 'vacated':
      return { appId, event: { name: 'channel_vacated', channel } };
    case 'user-joined':
    case 'user-left':
      if (!channelInfo(channel)?.presence) return undefined;
      return { appId, event: { name: entry.kind === 'user-joined' ? 'member_added' : 'member_removed', channel, user_id: entry.userId } };
    case 'note': {
      const note = decodeClientEventNote(entry.data);
      if (!note) return undefined;
      const event: WebhookEvent =
        note.userId === undefined
          ? { name: 'client_event', channel, event: note.event, data: note.data, socket_id: note.socketId }
          : { name: 'client_event', channel, event: note.event, data: note.data, socket_id: note.socketId, user_id: note.userId };
      return { appId, event };
    }
  }
}

export interface WebhookBatch {
  /** The app whose webhook this is; undefined when the entries read hold nothing to send. */
  readonly appId: string | undefined;
  readonly events: WebhookEvent[];
  /** The last entry this batch accounts for: the cursor once it is delivered. */
  readonly lastId: string;
}

/**
 * The next request from entries read in journal order: the longest run of one app's
 * events (each app's webhook is signed with its own secret), at most `maxEvents`.
 * Entries that are no webhook are passed over within it, so the cursor moves past
 * them. Never reorders: a run ends where another app's event begins.
 */
export function takeBatch(entries: readonly JournalEntry[], apps: PusherApps, maxEvents: number): WebhookBatch | undefined {
  let appId: string | undefined;
  const events: WebhookEvent[] = [];
  let lastId: string | undefined;
  for (const entry of entries) {
    const hook = toWebhookEvent(entry);
    if (hook && apps.byId(hook.appId)) {
      if (appId !== undefined && hook.appId !== appId) break;
      if (events.length >= maxEvents) break;
      appId = hook.appId;
      events.push(hook.event);
    }
    lastId = entry.id;
  }
  return lastId === undefined ? undefined : { appId, events, lastId };
}

/** Exponential backoff between attempts at one request: base, 2·base, 4·base, … up to max. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
