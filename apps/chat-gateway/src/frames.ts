import type {
  AckMessage,
  ChatMessage,
  JoinedMessage,
  LeftMessage,
  PresenceMessage,
  User,
  RefreshedMessage,
  WelcomeMessage,
} from '@herald/protocol';

/**
 * Every frame the gateway writes, as pure functions from values to text: framing
 * never touches a socket. A chat message is encoded once per bus event and the same
 * text goes to every recipient.
 */

/** What a room publishes on its bus topic (`chat.<room>`): the SSE stream serves it as is. */
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

/**
 * `{"type":"message","id",...payload}`. For a canonical payload this is string
 * splicing of the stored JSON (no parse+stringify of the whole message); extra or
 * reordered fields are rebuilt so a stray "type" can never override ours.
 */
export function messageFrame(id: string, data: string, decoded: DecodedPayload): string {
  if (decoded.canonical) return `{"type":"message","id":${JSON.stringify(id)},${data.slice(1)}`;
  const { room, from, text, ts } = decoded.payload;
  const message: ChatMessage = { type: 'message', room, id, from, text, ts };
  return JSON.stringify(message);
}

export function welcomeFrame(connectionId: string, user: User, exp?: number): string {
  const frame: WelcomeMessage = { type: 'welcome', connectionId, user };
  if (exp !== undefined) frame.exp = exp;
  return JSON.stringify(frame);
}

export function refreshedFrame(exp: number): string {
  const frame: RefreshedMessage = { type: 'refreshed', exp };
  return JSON.stringify(frame);
}

export function ackFrame(ref: string, id: string): string {
  const frame: AckMessage = { type: 'ack', ref, id };
  return JSON.stringify(frame);
}

export function leftFrame(room: string, reason?: LeftMessage['reason']): string {
  const frame: LeftMessage = { type: 'left', room };
  if (reason !== undefined) frame.reason = reason;
  return JSON.stringify(frame);
}

export function presenceFrame(room: string, event: 'join' | 'leave', user: User): string {
  const frame: PresenceMessage = { type: 'presence', room, event, user: { id: user.id, name: user.name } };
  return JSON.stringify(frame);
}

/** Members deduplicated by user id (one user may hold several connections), oldest first. */
export function uniqueUsers(members: ReadonlyArray<{ user: User }>): User[] {
  const seen = new Map<string, User>();
  for (const { user } of members) if (!seen.has(user.id)) seen.set(user.id, { id: user.id, name: user.name });
  return [...seen.values()];
}

/** `joined`, with history given as already-encoded message frames. */
export function joinedFrame(room: string, members: User[], history: readonly string[], recovered: boolean): string {
  const head: Omit<JoinedMessage, 'history' | 'recovered'> = { type: 'joined', room, members };
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"history":[${history.join(',')}],"recovered":${recovered}}`;
}
