/**
 * One Pusher channel = one bus topic: `pusher.<app id>.<escaped channel>`.
 *
 * Herald topics (packages/protocol names.ts) are `[A-Za-z0-9_.:-]`; Pusher names add
 * `= @ , ;` (and `#` for `#server-to-user-<id>`, whose user id may be any text). The
 * letters, digits, `_ . -` they share pass through unchanged, so common names read the
 * same on the bus (`private-orders.1` -> `pusher.1.private-orders.1`). `:` never occurs
 * in a Pusher name, so it is the escape: `:e` `=`, `:a` `@`, `:c` `,`, `:s` `;`, `:h` `#`,
 * and `:u` + 6 hex digits for any other code point. Every escape starts with `:` and has
 * a fixed length, so decoding is unambiguous and the mapping injective; the app id
 * holds no `.`, so the first `.` after it ends it.
 */
import { isChannelName } from './channels.js';

export const TOPIC_PREFIX = 'pusher.';
const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

const ESCAPE: Readonly<Record<string, string>> = { '=': 'e', '@': 'a', ',': 'c', ';': 's', '#': 'h' };
const UNESCAPE: Readonly<Record<string, string>> = { e: '=', a: '@', c: ',', s: ';', h: '#' };
const PLAIN = /^[A-Za-z0-9_.-]$/;

/**
 * The longest topic of a channel matching CHANNEL_PATTERN: 164 characters that all need
 * an escape, under a 64-character app id. Longer than Herald's 128-character topic limit,
 * which only the SSE read path checks (the bus takes any string).
 */
export const MAX_CHANNEL_TOPIC_LENGTH = TOPIC_PREFIX.length + 64 + 1 + 164 * 2;

export function escapeChannel(channel: string): string {
  let out = '';
  for (const char of channel) {
    if (PLAIN.test(char)) out += char;
    else {
      const short = ESCAPE[char];
      out += short !== undefined ? `:${short}` : `:u${(char.codePointAt(0) ?? 0).toString(16).padStart(6, '0')}`;
    }
  }
  return out;
}

/** The channel of an escaped name; `undefined` when it is not one escapeChannel makes. */
export function unescapeChannel(escaped: string): string | undefined {
  let out = '';
  for (let i = 0; i < escaped.length; ) {
    const char = escaped.charAt(i);
    if (char !== ':') {
      if (!PLAIN.test(char)) return undefined;
      out += char;
      i += 1;
      continue;
    }
    const tag = escaped.charAt(i + 1);
    const short = UNESCAPE[tag];
    if (short !== undefined) {
      out += short;
      i += 2;
      continue;
    }
    const hex = escaped.slice(i + 2, i + 8);
    if (tag !== 'u' || !/^[0-9a-f]{6}$/.test(hex)) return undefined;
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i += 8;
  }
  // Only the canonical spelling decodes (no `:u00003d` for `=`), keeping the mapping one-to-one.
  return escapeChannel(out) === escaped ? out : undefined;
}

export function channelTopic(appId: string, channel: string): string {
  if (!APP_ID.test(appId)) throw new TypeError(`not a Pusher app id: ${JSON.stringify(appId)}`);
  if (!isChannelName(channel)) throw new TypeError(`not a Pusher channel name: ${JSON.stringify(channel)}`);
  return `${TOPIC_PREFIX}${appId}.${escapeChannel(channel)}`;
}

/** The app and channel of a Pusher topic; `undefined` for any other topic. */
export function parseChannelTopic(topic: string): { appId: string; channel: string } | undefined {
  if (!topic.startsWith(TOPIC_PREFIX)) return undefined;
  const rest = topic.slice(TOPIC_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return undefined;
  const appId = rest.slice(0, dot);
  const channel = unescapeChannel(rest.slice(dot + 1));
  if (!APP_ID.test(appId) || channel === undefined || !isChannelName(channel)) return undefined;
  return { appId, channel };
}

/**
 * Where the topics of every channel of `appId` starting with `channelPrefix` start:
 * escaping is per character, so a channel starts with the prefix exactly when its
 * topic starts with this (for Presence.rooms and channel listings).
 */
export function channelTopicPrefix(appId: string, channelPrefix: string): string {
  if (!APP_ID.test(appId)) throw new TypeError(`not a Pusher app id: ${JSON.stringify(appId)}`);
  return `${TOPIC_PREFIX}${appId}.${escapeChannel(channelPrefix)}`;
}

/**
 * The bus topic of an app's control messages between gateways (the HTTP API's
 * terminate_connections). `:x` is no escape, so parseChannelTopic refuses it and no
 * channel, whatever its name, can ever map to it: a subscriber cannot read it, a
 * trigger cannot forge it.
 */
export function appControlTopic(appId: string): string {
  if (!APP_ID.test(appId)) throw new TypeError(`not a Pusher app id: ${JSON.stringify(appId)}`);
  return `${TOPIC_PREFIX}${appId}.:x-control`;
}
