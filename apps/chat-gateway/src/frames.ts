import type {
  AckMessage,
  ChatMessage,
  DecodedPayload,
  HistoryMessage,
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
export function joinedFrame(room: string, members: User[], history: readonly string[], recovered: boolean, more: boolean): string {
  const head: Omit<JoinedMessage, 'history' | 'recovered' | 'more'> = { type: 'joined', room, members };
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"history":[${history.join(',')}],"recovered":${recovered},"more":${more}}`;
}

/** A `history` reply, with its messages given as already-encoded message frames. */
export function historyFrame(room: string, messages: readonly string[], more: boolean, covered: boolean, ref?: string): string {
  const tail: Partial<HistoryMessage> = { more };
  if (!covered) tail.recovered = false;
  if (ref !== undefined) tail.ref = ref;
  return `{"type":"history","room":${JSON.stringify(room)},"messages":[${messages.join(',')}],${JSON.stringify(tail).slice(1)}`;
}
