/**
 * Building blocks shared by the corpora: control characters, strings that are
 * not ids, and a seeded generator so a failing case can be reproduced by name.
 */

/** Every C0 control character and DEL, the ones that break lines, fields and logs. */
export const CONTROL_CHARS: readonly string[] = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f'];

/** A printable label for a control character in a case name. */
export function charName(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Values that look a bit like `<ms>-<seq>` ids and are not. */
export const NOT_IDS: readonly string[] = [
  '',
  ' ',
  'abc',
  '1',
  '1-',
  '-1',
  '-1-1',
  '1--1',
  '1-1-1',
  '1_1',
  '1:1',
  '1 - 1',
  ' 1-1',
  '1-1 ',
  '1-1\t',
  '0x1-1',
  '1e3-1',
  '1.5-1',
  '1-1.5',
  '+1-1',
  '1-+1',
  'Infinity-1',
  'NaN-NaN',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '1234567890123456-1',
  '1-1234567890123456',
  '9'.repeat(100),
  `${'9'.repeat(20)}-${'9'.repeat(20)}`,
  '１-１',
  '١-١',
  '1-1;DROP',
  '1-1%00',
  '../1-1',
  '$1-1',
  '*',
  '>',
  '0-0,1-1',
  'x'.repeat(10_000),
];

/** mulberry32: a tiny seeded PRNG, so the "random" cases are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = '{}[]":,\\ \t\n\r0123456789-.eE+abcdefghijklmnopqrstuvwxyz_$€ü😀\u0000\u001f\u2028\ufeff';

/** A random string of JSON-ish characters (valid UTF-16, so it travels as UTF-8 text). */
export function randomText(random: () => number, maxLength: number): string {
  const chars = Array.from(ALPHABET);
  const length = 1 + Math.floor(random() * maxLength);
  let text = '';
  for (let i = 0; i < length; i++) text += chars[Math.floor(random() * chars.length)];
  return text;
}

/** Every proper prefix of a JSON text (none of which is valid JSON for an object). */
export function prefixes(json: string): string[] {
  return Array.from({ length: json.length - 1 }, (_, i) => json.slice(0, i + 1));
}

/** `depth` nested arrays: `[[[...]]]`. */
export const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** `depth` nested objects: `{"a":{"a":...1}}`. */
export const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
