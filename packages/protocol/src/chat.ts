import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ErrorCode } from './errors.js';
import { NAME_RULES, ROOM_PATTERN } from './names.js';

/** Client-chosen correlation tag echoed in `ack` and `error`. */
const Ref = Type.String({ minLength: 1, maxLength: 64 });
const Room = Type.String({ pattern: ROOM_PATTERN.source });
const Id = Type.String({ pattern: '^\\d{1,15}-\\d{1,15}$' });

export const JoinSchema = Type.Object({
  type: Type.Literal('join'),
  room: Room,
  since: Type.Optional(Id),
  /** Echoed in an `error` refusing this join (rate_limited, forbidden, unavailable). */
  ref: Type.Optional(Ref),
});
export const LeaveSchema = Type.Object({
  type: Type.Literal('leave'),
  room: Room,
});
export const SendSchema = Type.Object({
  type: Type.Literal('send'),
  room: Room,
  text: Type.String({ minLength: 1 }),
  ref: Type.Optional(Ref),
});

/** Most messages one `history` request may ask for (`limit`). */
export const HISTORY_LIMIT_MAX = 1000;
/** Messages a `history` request without `limit` gets at most. */
export const HISTORY_LIMIT_DEFAULT = 100;

/**
 * One page of a room's history: the oldest messages `after` an id, or the newest
 * `before` one (exactly one of them), in id order, for members of the room.
 */
export const HistorySchema = Type.Object({
  type: Type.Literal('history'),
  room: Room,
  after: Type.Optional(Id),
  before: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_LIMIT_MAX })),
  ref: Type.Optional(Ref),
});

/** Tokens are a few hundred bytes; this bounds the work a bad one can cause. */
export const MAX_TOKEN_LENGTH = 8192;

export const RefreshSchema = Type.Object({
  type: Type.Literal('refresh'),
  token: Type.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH }),
});

export type JoinMessage = Static<typeof JoinSchema>;
export type LeaveMessage = Static<typeof LeaveSchema>;
export type SendMessage = Static<typeof SendSchema>;
/** A new token for the same `sub`, sent before the current one's `exp`. */
export type RefreshMessage = Static<typeof RefreshSchema>;
export type HistoryRequest = Static<typeof HistorySchema>;
/** Everything a client may send on `/ws`. */
export type ClientMessage = JoinMessage | LeaveMessage | SendMessage | RefreshMessage | HistoryRequest;
export type ClientMessageType = ClientMessage['type'];

export interface User {
  id: string;
  name: string;
}

/** A chat message as every member of the room receives it. */
export interface ChatMessage {
  type: 'message';
  room: string;
  id: string;
  from: User;
  text: string;
  ts: number;
}

export interface WelcomeMessage {
  type: 'welcome';
  connectionId: string;
  user: User;
  /** With auth on: when the token expires (ms since the epoch); refresh before it. */
  exp?: number;
}
/** Reply to `refresh`: the connection now lives until the new token's `exp` (ms). */
export interface RefreshedMessage {
  type: 'refreshed';
  exp: number;
}
export interface JoinedMessage {
  type: 'joined';
  room: string;
  members: User[];
  history: ChatMessage[];
  /** false when history no longer reaches the `since` id asked for. */
  recovered: boolean;
  /**
   * true when `history` was cut (MAX_JOIN_HISTORY_BYTES, or HISTORY_ON_JOIN without
   * `since`): with `since`, go on with `history` `after` the newest id received;
   * without, older messages are there for `history` `before` the oldest.
   */
  more: boolean;
}
/** Reply to a `history` request. */
export interface HistoryMessage {
  type: 'history';
  room: string;
  /** In id order, at most `limit` and MAX_JOIN_HISTORY_BYTES of them (always one if any). */
  messages: ChatMessage[];
  /** true when more messages lie beyond these in the direction asked (`after`: newer, `before`: older). */
  more: boolean;
  /** Present (false) only when history no longer reaches the `after` id: messages were lost in between. */
  recovered?: false;
  ref?: string;
}
/** Why the server left a room on its own; absent when the client asked to leave. */
export type LeftReason = 'forbidden';
export interface LeftMessage {
  type: 'left';
  room: string;
  /** `forbidden`: a refreshed token no longer allows the room. */
  reason?: LeftReason;
}
export interface PresenceMessage {
  type: 'presence';
  room: string;
  event: 'join' | 'leave';
  user: User;
}
export interface AckMessage {
  type: 'ack';
  ref: string;
  id: string;
}
export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  ref?: string;
}
/** Everything the gateway sends on `/ws`. */
export type ServerMessage =
  | WelcomeMessage
  | RefreshedMessage
  | JoinedMessage
  | HistoryMessage
  | LeftMessage
  | PresenceMessage
  | ChatMessage
  | AckMessage
  | ErrorMessage;

const validators = {
  join: TypeCompiler.Compile(JoinSchema),
  leave: TypeCompiler.Compile(LeaveSchema),
  send: TypeCompiler.Compile(SendSchema),
  refresh: TypeCompiler.Compile(RefreshSchema),
  history: TypeCompiler.Compile(HistorySchema),
} as const;

export type DecodeResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; error: ErrorMessage };

function fail(message: string, ref?: string): DecodeResult {
  const error: ErrorMessage = { type: 'error', code: 'bad_request', message };
  if (ref !== undefined) error.ref = ref;
  return { ok: false, error };
}

/**
 * Decodes one text frame from a client. Never throws: anything that is not a valid
 * client message comes back as a `bad_request` error naming the first problem, with
 * the client's `ref` when it sent a usable one.
 */
export function decodeClientMessage(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('a message must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  const ref =
    typeof record.ref === 'string' && record.ref.length > 0 && record.ref.length <= 64
      ? record.ref
      : undefined;
  const type = record.type;
  if (typeof type !== 'string') return fail('missing "type"', ref);
  if (!Object.hasOwn(validators, type)) {
    return fail(`unknown message type "${type.slice(0, 32)}"`, ref);
  }
  const validator = validators[type as ClientMessageType];
  if (!validator.Check(value)) {
    const first = validator.Errors(value).First();
    const path = first?.path ? first.path.slice(1) : '';
    const detail =
      path === 'room'
        ? `must be ${NAME_RULES.room}`
        : path === 'since' || path === 'after' || path === 'before'
          ? 'must be a message id like "1700000000000-0"'
          : path === 'limit'
            ? `must be a whole number from 1 to ${HISTORY_LIMIT_MAX}`
            : path === 'token'
              ? `must be a token of 1-${MAX_TOKEN_LENGTH} characters`
              : (first?.message ?? 'is invalid').toLowerCase();
    return fail(path ? `"${path}" ${detail}` : detail, ref);
  }
  if (type === 'history' && (record.after === undefined) === (record.before === undefined)) {
    return fail('a history request takes exactly one of "after" (newer messages) or "before" (older ones)', ref);
  }
  return { ok: true, message: value as ClientMessage };
}
