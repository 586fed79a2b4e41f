import type { ErrorCode } from '@herald/protocol';
import { CONTROL_CHARS, NOT_IDS, charName, nestedArrays, nestedObjects, prefixes, randomText, seeded } from './garbage.js';

/**
 * The malformed-input corpus of the chat gateway, frame by frame: what a client
 * sends on `/ws` after joining its group's room, and the reply DESIGN.md and the
 * gateway README promise for it. Every case is sent on one open connection after
 * the other, so each also proves the connection survived the one before.
 */
export type ChatExpect =
  /** An `error` frame with this code and exactly this `ref` (none when undefined). */
  | { error: ErrorCode; ref?: string }
  | { joined: string }
  | { left: string }
  /** A `message` with exactly this text (in `room`, default the session's), then an `ack` when `ref` is set. */
  | { delivered: string; ref?: string; room?: string };

export interface ChatCase {
  group: string;
  name: string;
  frame: string | Buffer;
  /** Sent as a binary frame. */
  binary?: boolean;
  expect: ChatExpect;
}

export const CHAT_GROUPS = ['json', 'types', 'names', 'sizes', 'nesting', 'binary', 'protocol', 'random'] as const;
export type ChatGroup = (typeof CHAT_GROUPS)[number];

/** The room a group's session joins (and the bystander listens in). */
export const groupRoom = (group: string) => `hx-${group}`;

const q = (value: string) => JSON.stringify(value);

/** A JSON object from already-encoded values, so any literal can go in any field. */
function obj(fields: Array<[string, string]>): string {
  return `{${fields.map(([k, v]) => `${q(k)}:${v}`).join(',')}}`;
}

const WRONG_VALUES = ['null', 'true', 'false', '0', '-1', '1.5', '1e308', '[]', '["x"]', '{}', '{"a":1}', '""'];

const BAD_ROOMS = [
  ...CONTROL_CHARS.map((c) => `a${c}b`),
  'a b',
  'a/b',
  'a#b',
  'a?b',
  'a*b',
  'a:b',
  'ü',
  '😀',
  'a\u2028b',
  '\ufeffa',
  'x'.repeat(65),
  'x'.repeat(10_000),
  '<script>',
  "a'b",
  'a"b',
];

const ODD_TEXTS = [
  '\ud800',
  'a\udfffb',
  '\u2028\u2029',
  '\ufeff',
  '😀'.repeat(10),
  '\u202eevil',
  '</script><script>alert(1)</script>',
  '{"type":"ack","ref":"x","id":"1-1"}',
  'data: injected\n\nid: 1-1\nevent: reset\n\n',
  '\r\n\r\n',
  '%00%0d%0a',
  '${7*7}',
  ' ',
  '__proto__',
];

function typeCases(room: string): ChatCase[] {
  const cases: ChatCase[] = [];
  const messages: Record<string, Array<[string, string]>> = {
    join: [['type', q('join')], ['room', q(room)], ['since', q('0-0')]],
    leave: [['type', q('leave')], ['room', q('hx-not-a-member')]],
    send: [['type', q('send')], ['room', q(room)], ['text', q('hello')]],
  };
  let n = 0;
  for (const [type, fields] of Object.entries(messages)) {
    const ref = `r${n++}`;
    const wrongRef: Array<[string, string]> = type === 'send' ? [['ref', q(ref)]] : [];
    for (const field of [...fields.map(([k]) => k), ...(type === 'send' ? ['ref'] : [])]) {
      for (const wrong of WRONG_VALUES) {
        const replaced = [...fields, ...wrongRef].map(([k, v]): [string, string] => [k, k === field ? wrong : v]);
        // A ref in a message that is wrong elsewhere comes back in the error.
        const withRef: Array<[string, string]> = type === 'send' ? replaced : [...replaced, ['ref', q(ref)]];
        cases.push({
          group: 'types',
          name: `${type}.${field} = ${wrong}`,
          frame: obj(withRef),
          expect: { error: 'bad_request', ref: field === 'ref' ? undefined : ref },
        });
      }
    }
    for (const [missing] of fields.filter(([k]) => k !== 'since')) {
      cases.push({
        group: 'types',
        name: `${type} without ${missing}`,
        frame: obj([...fields.filter(([k]) => k !== missing), ['ref', q(ref)]]),
        expect: { error: 'bad_request', ref },
      });
    }
  }
  for (const type of ['JOIN', 'Join', 'ping', 'pong', 'welcome', 'joined', 'message', 'ack', 'error', 'presence', 'left',
    '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '', ' join', 'join ', 'join\u0000',
    'send\n', 'sen', 'x'.repeat(50_000)]) {
    cases.push({ group: 'types', name: `unknown type ${q(type.slice(0, 20))}`, frame: obj([['type', q(type)], ['room', q(room)], ['ref', q('u')]]), expect: { error: 'bad_request', ref: 'u' } });
  }
  return cases;
}

function nameCases(room: string): ChatCase[] {
  const cases: ChatCase[] = [];
  for (const type of ['join', 'leave', 'send']) {
    for (const bad of BAD_ROOMS) {
      const fields: Array<[string, string]> = [['type', q(type)], ['room', q(bad)], ['ref', q('n')]];
      if (type === 'send') fields.push(['text', q('x')]);
      cases.push({ group: 'names', name: `${type} room ${q(bad.slice(0, 12))}`, frame: obj(fields), expect: { error: 'bad_request', ref: 'n' } });
    }
  }
  for (const since of [...NOT_IDS, ...CONTROL_CHARS.map((c) => `1-1${c}`)]) {
    cases.push({ group: 'names', name: `since ${q(since.slice(0, 12))}`, frame: obj([['type', q('join')], ['room', q(room)], ['since', q(since)]]), expect: { error: 'bad_request' } });
  }
  for (const since of ['0-0', '999999999999999-999999999999999']) {
    cases.push({ group: 'names', name: `since ${since} (valid)`, frame: obj([['type', q('join')], ['room', q(room)], ['since', q(since)]]), expect: { joined: room } });
  }
  // Inside JSON strings these are data: escaped on the way out, never a field or a line.
  for (const c of CONTROL_CHARS) {
    const text = `a${c}b`;
    cases.push({ group: 'names', name: `text with ${charName(c)}`, frame: obj([['type', q('send')], ['room', q(room)], ['text', q(text)]]), expect: { delivered: text } });
    const ref = `r${c}\r\n\u0000`;
    cases.push({ group: 'names', name: `ref with ${charName(c)}`, frame: obj([['type', q('send')], ['room', q(room)], ['text', q('t')], ['ref', q(ref)]]), expect: { delivered: 't', ref } });
  }
  for (const text of ODD_TEXTS) {
    cases.push({ group: 'names', name: `text ${q(text.slice(0, 16))}`, frame: obj([['type', q('send')], ['room', q(room)], ['text', q(text)], ['ref', q('o')]]), expect: { delivered: text, ref: 'o' } });
  }
  return cases;
}

function sizeCases(room: string, maxBytes: number): ChatCase[] {
  const sized = (bytes: number, char = 'a') => {
    const head = `{"type":"send","room":${q(room)},"ref":"s","text":"`;
    // Pads the text so the whole frame is `bytes` long (or one byte short for wide characters).
    const count = Math.floor((bytes - Buffer.byteLength(head) - 2) / Buffer.byteLength(char));
    const text = char.repeat(count);
    return { frame: `${head}${text}"}`, text };
  };
  const exact = sized(maxBytes);
  const over = `${exact.frame.slice(0, -2)}a"}`;
  const wide = sized(maxBytes, 'é');
  const cases: ChatCase[] = [
    { group: 'sizes', name: 'frame of exactly MAX_MESSAGE_BYTES', frame: exact.frame, expect: { delivered: exact.text, ref: 's' } },
    { group: 'sizes', name: 'frame of MAX_MESSAGE_BYTES + 1', frame: over, expect: { error: 'too_large' } },
    { group: 'sizes', name: 'two-byte characters up to the limit', frame: wide.frame, expect: { delivered: wide.text, ref: 's' } },
    { group: 'sizes', name: 'fewer characters than the limit, more bytes', frame: `${wide.frame.slice(0, -2)}éé"}`, expect: { error: 'too_large' } },
    { group: 'sizes', name: 'twice MAX_MESSAGE_BYTES (under the hard cap)', frame: 'x'.repeat(maxBytes * 2), expect: { error: 'too_large' } },
    { group: 'sizes', name: 'ref of 64 characters', frame: obj([['type', q('send')], ['room', q(room)], ['text', q('r')], ['ref', q('r'.repeat(64))]]), expect: { delivered: 'r', ref: 'r'.repeat(64) } },
    { group: 'sizes', name: 'ref of 65 characters', frame: obj([['type', q('send')], ['room', q(room)], ['text', q('r')], ['ref', q('r'.repeat(65))]]), expect: { error: 'bad_request' } },
    { group: 'sizes', name: 'room of 64 characters', frame: obj([['type', q('join')], ['room', q('r'.repeat(64))]]), expect: { joined: 'r'.repeat(64) } },
    { group: 'sizes', name: 'empty text', frame: obj([['type', q('send')], ['room', q(room)], ['text', q('')], ['ref', q('e')]]), expect: { error: 'bad_request', ref: 'e' } },
    { group: 'sizes', name: 'empty frame', frame: '', expect: { error: 'bad_request' } },
  ];
  return cases;
}

function nestingCases(room: string): ChatCase[] {
  const send = (extra: string) => `{"type":"send","room":${q(room)},"ref":"d",${extra}}`;
  return [
    { name: '10,000 unclosed [', frame: '['.repeat(10_000), expect: { error: 'bad_request' } },
    { name: '10,000 nested arrays', frame: nestedArrays(10_000), expect: { error: 'bad_request' } },
    { name: '30,000 nested arrays', frame: nestedArrays(30_000), expect: { error: 'bad_request' } },
    { name: '10,000 nested objects', frame: nestedObjects(10_000), expect: { error: 'bad_request' } },
    { name: '10,000 unclosed {"a":', frame: '{"a":'.repeat(10_000), expect: { error: 'bad_request' } },
    { name: 'text of 10,000 nested arrays', frame: send(`"text":${nestedArrays(10_000)}`), expect: { error: 'bad_request', ref: 'd' } },
    { name: 'room of 5,000 nested objects', frame: send(`"text":"x","room2":1,"room":${nestedObjects(5000)}`), expect: { error: 'bad_request', ref: 'd' } },
    // Unknown fields are ignored, however deep.
    { name: 'extra field of 30,000 nested arrays', frame: send(`"text":"deep","x":${nestedArrays(30_000)}`), expect: { delivered: 'deep', ref: 'd' } },
    { name: 'ref of 10,000 nested arrays', frame: `{"type":"send","room":${q(room)},"text":"x","ref":${nestedArrays(10_000)}}`, expect: { error: 'bad_request' } },
  ].map((c) => ({ group: 'nesting', ...c }) as ChatCase);
}

function binaryCases(room: string): ChatCase[] {
  const valid = obj([['type', q('send')], ['room', q(room)], ['text', q('bin')]]);
  const random = seeded(7);
  const blobs: Array<[string, Buffer]> = [
    ['a valid message', Buffer.from(valid)],
    ['empty', Buffer.alloc(0)],
    ['one zero byte', Buffer.alloc(1)],
    ['0xff', Buffer.from([0xff])],
    ['a PNG header', Buffer.from('89504e470d0a1a0a', 'hex')],
    ['64 KiB of zeros', Buffer.alloc(64 * 1024)],
  ];
  for (let i = 0; i < 24; i++) {
    blobs.push([`random bytes #${i}`, Buffer.from(Array.from({ length: 1 + Math.floor(random() * 512) }, () => Math.floor(random() * 256)))]);
  }
  return blobs.map(([name, frame]) => ({ group: 'binary', name: `binary: ${name}`, frame, binary: true, expect: { error: 'bad_request' } }));
}

function jsonCases(room: string): ChatCase[] {
  const broken = ['{', '}', '[', ']', '"', "'", '{"type":', '{"type":"join"', "{'type':'join'}", '{type:"join"}', '{"type":"join",}',
    '{"type":"join","room":"a"}}', '{"type":"join" "room":"a"}', 'NaN', 'undefined', '\u0000', '\ufeff{}', '{"type":"\\x41"}',
    '{"type":"\\u12"}', '{"a":01}', '{"a":.5}', '{"a":1.}', '{"a":+1}', '{"a":0x10}', '{"a":Infinity}', '/* c */{}', '{}//',
    '{"a":"\t"}', 'tru', 'nul', '<xml/>', 'GET / HTTP/1.1', '\r\n\r\n'];
  const notObjects = ['null', 'true', 'false', '0', '-0', '1e400', '"join"', '[]', '[{"type":"join","room":"a"}]', '""'];
  const valid = [obj([['type', q('join')], ['room', q(room)]]), obj([['type', q('send')], ['room', q(room)], ['text', q('hi')], ['ref', q('p')]])];
  return [
    ...broken.map((frame) => ({ name: `invalid JSON ${q(frame.slice(0, 20))}`, frame })),
    ...notObjects.map((frame) => ({ name: `not an object ${q(frame.slice(0, 20))}`, frame })),
    ...valid.flatMap((json) => prefixes(json).map((frame) => ({ name: `truncated ${q(frame)}`, frame }))),
  ].map((c) => ({ group: 'json', ...c, expect: { error: 'bad_request' } }) as ChatCase);
}

function protocolCases(room: string): ChatCase[] {
  const send = (r: string, text: string, ref: string) => obj([['type', q('send')], ['room', q(r)], ['text', q(text)], ['ref', q(ref)]]);
  const cases: Array<Omit<ChatCase, 'group'>> = [
    { name: 'send to a room not joined', frame: send('hx-elsewhere', 'x', 'nj'), expect: { error: 'not_joined', ref: 'nj' } },
    { name: 'leave a room not joined', frame: obj([['type', q('leave')], ['room', q('hx-elsewhere')]]), expect: { left: 'hx-elsewhere' } },
    { name: 'join again', frame: obj([['type', q('join')], ['room', q(room)]]), expect: { joined: room } },
    { name: '__proto__ key on a join', frame: `{"type":"join","room":${q(room)},"__proto__":{"room":"hx-other","type":"leave"}}`, expect: { joined: room } },
    { name: 'only a __proto__ key', frame: '{"__proto__":{"type":"join","room":"hx-x"}}', expect: { error: 'bad_request' } },
    { name: 'constructor.prototype on a send', frame: `{"type":"send","room":${q(room)},"text":"c","ref":"c","constructor":{"prototype":{"polluted":true}}}`, expect: { delivered: 'c', ref: 'c' } },
    { name: '__proto__ key on a send', frame: `{"type":"send","room":${q(room)},"text":"p","ref":"p","__proto__":{"polluted":true,"room":"hx-x"}}`, expect: { delivered: 'p', ref: 'p' } },
    { name: 'duplicate keys (the last one wins)', frame: `{"type":"leave","type":"send","room":"hx-x","room":${q(room)},"text":"dup"}`, expect: { delivered: 'dup' } },
  ];
  for (const special of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '.', '..', '-', '_']) {
    cases.push({ name: `join room ${special}`, frame: obj([['type', q('join')], ['room', q(special)]]), expect: { joined: special } });
    cases.push({ name: `send in room ${special}`, frame: send(special, `in ${special}`, 'sp'), expect: { delivered: `in ${special}`, ref: 'sp', room: special } });
    cases.push({ name: `leave room ${special}`, frame: obj([['type', q('leave')], ['room', q(special)]]), expect: { left: special } });
  }
  return cases.map((c) => ({ group: 'protocol', ...c }));
}

function randomCases(): ChatCase[] {
  const random = seeded(2024);
  return Array.from({ length: 150 }, (_, i) => ({
    group: 'random',
    name: `random text #${i}`,
    frame: randomText(random, 300),
    expect: { error: 'bad_request' as const },
  }));
}

/** Every frame case, by group; `maxBytes` is the gateway's MAX_MESSAGE_BYTES. */
export function chatCorpus(maxBytes: number): ChatCase[] {
  return [
    ...jsonCases(groupRoom('json')),
    ...typeCases(groupRoom('types')),
    ...nameCases(groupRoom('names')),
    ...sizeCases(groupRoom('sizes'), maxBytes),
    ...nestingCases(groupRoom('nesting')),
    ...binaryCases(groupRoom('binary')),
    ...protocolCases(groupRoom('protocol')),
    ...randomCases(),
  ];
}
