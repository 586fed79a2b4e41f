/**
 * Names that travel in URLs, Redis keys and SSE fields. Kept to a small alphabet so
 * they can never inject a field, a key separator surprise or a control character.
 */

/** Rooms: 1-64 of letters, digits, `_`, `-`, `.`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Topics: 1-128 of letters, digits, `_`, `-`, `.`, `:`, starting with a letter, digit
 * or `_`. A chat room `r` is also the topic `chat.r`.
 */
export const TOPIC_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

/** SSE `event` names: 1-64 printable, no spaces; CR, LF and NUL are refused everywhere. */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Display names: 1-64 characters, no control characters. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
export const MAX_NAME_LENGTH = 64;

export function isRoomName(value: unknown): value is string {
  return typeof value === 'string' && ROOM_PATTERN.test(value);
}

export function isTopicName(value: unknown): value is string {
  return typeof value === 'string' && TOPIC_PATTERN.test(value);
}

export function isEventName(value: unknown): value is string {
  return typeof value === 'string' && EVENT_NAME_PATTERN.test(value);
}

export function isDisplayName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= MAX_NAME_LENGTH &&
    !CONTROL.test(value) &&
    value.trim().length > 0
  );
}

/**
 * Each rule above in words, for error messages: the servers, the browser client and
 * the demo say the same thing, and it changes with the pattern.
 */
export const NAME_RULES = {
  room: '1-64 of letters, digits, "_", "-", "."',
  topic: '1-128 of letters, digits, "_", "-", ".", ":", starting with a letter, digit or "_"',
  event: '1-64 of letters, digits, "_", "-", ".", ":" (no spaces or line breaks)',
  displayName: `1-${MAX_NAME_LENGTH} characters, not all spaces, without control characters`,
} as const;

/** The SSE topic on which a chat room's messages are readable. */
export function chatTopic(room: string): string {
  return `chat.${room}`;
}
