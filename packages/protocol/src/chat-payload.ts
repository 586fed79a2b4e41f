import type { User } from './chat.js';

/**
 * What a chat room publishes on its bus topic (`chat.<room>`). The gateway writes
 * and reads it; the event stream serves it as is to SSE readers of that topic.
 */
export interface ChatPayload {
  room: string;
  from: User;
  text: string;
  ts: number;
}

export function encodeChatPayload(room: string, from: User, text: string, ts: number): string {
  return JSON.stringify({ room, from: { id: from.id, name: from.name }, text, ts });
}

export interface DecodedPayload {
  payload: ChatPayload;
  /** Exactly the four fields `encodeChatPayload` writes, so it can be spliced. */
  canonical: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a bus event of room `room`. Anything may be published on `chat.<room>`
 * (the event stream's POST /publish reaches the same topic), so events that are
 * not chat messages of this room come back undefined and are not delivered.
 */
export function decodeChatPayload(data: string, room: string): DecodedPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.room !== room || !isRecord(value.from)) return undefined;
  const { from, text, ts } = value;
  if (typeof from.id !== 'string' || typeof from.name !== 'string') return undefined;
  if (typeof text !== 'string' || typeof ts !== 'number' || !Number.isFinite(ts)) return undefined;
  const canonical =
    data.charCodeAt(0) === 0x7b && Object.keys(value).length === 4 && Object.keys(from).length === 2;
  return { payload: { room, from: { id: from.id, name: from.name }, text, ts }, canonical };
}
