/**
 * Names that travel in URLs, Redis keys and SSE fields. Kept to a small alphabet so
 * they can never inject a field, a key separator surprise or a control character.
 */

/** Rooms: 1-64 of letters, digits, `_`, `-`, `.`, not starting with RESERVED_ROOM_PREFIX. */
export const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Room names Pusher channels own: a Pusher channel's presence lives in the room named
 * like its topic (`pusher.<app>.<channel>`), so a chat room of that name would show
 * its members in the channel without Pusher's channel auth.
 */
export const RESERVED_ROOM_PREFIX = 'pusher.';

/**
 * Topics: 1-128 of letters, digits, `_`, `-`, `.`, `:`, starting with a letter, digit
 * or `_`. A chat room `r` is also the topic `chat.r`.
 */
export const TOPIC_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

/** SSE `event` names: 1-64 printable, no spaces; CR, LF and NUL are refused everywhere. */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export function isRoomName(value: unknown): value is string {
  return typeof value === 'string' && ROOM_PATTERN.test(value) && !value.startsWith(RESERVED_ROOM_PREFIX);
}

export function isTopicName(value: unknown): value is string {
  return typeof value === 'string' && TOPIC_PATTERN.test(value);
}

export function isEventName(value: unknown): value is string {
  return typeof value === 'string' && EVENT_NAME_PATTERN.test(value);
}

/** Display names (`name` claim, `?name=`). */
export const MAX_NAME_LENGTH = 64;
/** User ids (`sub`): longer than display names, since issuers use URIs and UUIDs. */
export const MAX_SUBJECT_LENGTH = 128;

// A lone surrogate cannot be encoded as UTF-8: Redis' Lua JSON decoder failed on one
// in presence data and took a whole room down (issue 11). With the `u` flag a lone
// surrogate is a code point of category Cs; a well-formed pair is not.
const LONE_SURROGATE = /\p{Cs}/u;
// Cc: C0/C1 controls. Cf: format characters, among them the bidi overrides and
// isolates (U+202A-202E, U+2066-2069) that make one name display as another.
const CONTROL = /\p{Cc}/u;
const FORMAT = /\p{Cf}/u;

/**
 * Why a user id or display name is not acceptable, or undefined when it is:
 * well-formed Unicode, no control or format (bidi) characters, 1-`max` UTF-16 units,
 * not only white space. `label` names the field in the message (`"sub"`, `"name"`).
 */
export function nameProblem(value: unknown, label: string, max: number): string | undefined {
  if (typeof value !== 'string') return `${label} must be a string`;
  if (value.length === 0 || value.length > max) return `${label} must be 1-${max} characters`;
  if (LONE_SURROGATE.test(value)) return `${label} must be well-formed Unicode (it holds a lone surrogate)`;
  if (CONTROL.test(value)) return `${label} must not hold control characters`;
  if (FORMAT.test(value)) return `${label} must not hold format or bidi characters (Unicode Cf)`;
  if (value.trim().length === 0) return `${label} must not be only white space`;
  return undefined;
}

/** A display name (`name` claim, `?name=`): see {@link nameProblem}, at most 64 units. */
export function displayNameProblem(value: unknown, label = '"name"'): string | undefined {
  return nameProblem(value, label, MAX_NAME_LENGTH);
}

/** A user id (`sub` claim): see {@link nameProblem}, at most 128 units. */
export function subjectProblem(value: unknown, label = '"sub"'): string | undefined {
  return nameProblem(value, label, MAX_SUBJECT_LENGTH);
}

export function isDisplayName(value: unknown): value is string {
  return displayNameProblem(value) === undefined;
}

export function isSubject(value: unknown): value is string {
  return subjectProblem(value) === undefined;
}

/**
 * The display name for a user who has none: the id cut to 64 UTF-16 units without
 * splitting a surrogate pair (a plain `slice` can leave a lone surrogate behind).
 */
export function defaultDisplayName(subject: string): string {
  if (subject.length <= MAX_NAME_LENGTH) return subject;
  const last = subject.charCodeAt(MAX_NAME_LENGTH - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? MAX_NAME_LENGTH - 1 : MAX_NAME_LENGTH;
  return subject.slice(0, cut);
}

/** Every topic that starts with this is a chat room's (or no one's: see {@link roomOfTopic}). */
export const CHAT_TOPIC_PREFIX = 'chat.';
/**
 * Each rule above in words, for error messages: the servers, the browser client and
 * the demo say the same thing, and it changes with the pattern.
 */
export const NAME_RULES = {
  room: '1-64 of letters, digits, "_", "-", ".", not starting with "pusher."',
  topic: '1-128 of letters, digits, "_", "-", ".", ":", starting with a letter, digit or "_"',
  event: '1-64 of letters, digits, "_", "-", ".", ":" (no spaces or line breaks)',
  displayName: `1-${MAX_NAME_LENGTH} characters, not all spaces, well-formed, without control, format or bidi characters`,
} as const;

/** The SSE topic on which a chat room's messages are readable. */
export function chatTopic(room: string): string {
  return `${CHAT_TOPIC_PREFIX}${room}`;
}

/** The room whose messages a topic carries (`chat.<room>`), or undefined for any other topic. */
export function roomOfTopic(topic: string): string | undefined {
  if (!topic.startsWith(CHAT_TOPIC_PREFIX)) return undefined;
  const room = topic.slice(CHAT_TOPIC_PREFIX.length);
  return isRoomName(room) ? room : undefined;
}
