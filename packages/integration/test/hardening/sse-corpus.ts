import { isId } from '@herald/protocol';
import { CONTROL_CHARS, NOT_IDS, charName, nestedArrays, nestedObjects, prefixes, randomText, seeded } from './garbage.js';

/**
 * The malformed-input corpus of the event stream: HTTP requests and the status
 * and error code the event-stream README documents for each. Accepted publishes
 * all go to PUBLISH_TOPIC, so a subscriber there can check that exactly they,
 * and nothing refused, were delivered.
 */
export interface HttpCase {
  group: string;
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';
  /** Path and query, already encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** `code` is checked in our `{"error":{"code"}}` shape; a 200 must be an SSE stream; a 202 carries ids. */
  expect: { status: number; code?: string };
}

/** A request written byte for byte on a socket (what an HTTP client library refuses to send). */
export interface RawCase {
  group: 'raw';
  name: string;
  request: string;
  status: number;
}

export const PUBLISH_TOPIC = 'hx-pub';

const enc = encodeURIComponent;
const JSON_TYPE = { 'content-type': 'application/json' };

const BAD_TOPICS = [
  ...CONTROL_CHARS.map((c) => `a${c}b`),
  ...CONTROL_CHARS.map((c) => `${c}a`),
  'a b', 'a/b', 'a#b', 'a?b', 'a*b', 'a>b', 'a+b', 'a&b', 'a;b', 'a=b', 'a%b', 'a"b', "a'b", 'a\\b', 'a{b', 'a$b', 'ü', '😀',
  '<script>', 'a\u2028b', '.a', ':a', '-a', 'x'.repeat(129), 'x'.repeat(1000), 'x'.repeat(10_000), '', ',', 'a,', ',a',
];
const ODD_VALID_TOPICS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'x'.repeat(128), 'a:b.c-d_e', '_', 'time'];

function topicCases(): HttpCase[] {
  const get = (name: string, path: string, status: number): HttpCase => ({
    group: 'topics', name, method: 'GET', path, expect: status === 200 ? { status } : { status, code: 'bad_request' },
  });
  const cases = BAD_TOPICS.map((t) => get(`topic ${JSON.stringify(t.slice(0, 12))}`, `/sse?topic=${enc(t)}`, 400));
  cases.push(get('33 topics', `/sse?topic=${Array.from({ length: 33 }, (_, i) => `t${i}`).join(',')}`, 400));
  cases.push(get('topic with a bad percent escape', '/sse?topic=%zz', 400));
  cases.push(get('topic of invalid percent-encoded UTF-8', '/sse?topic=%C3%28', 400));
  cases.push(...ODD_VALID_TOPICS.map((t) => get(`valid topic ${t.slice(0, 12)}`, `/sse?topic=${enc(t)}`, 200)));
  cases.push(get('32 topics', `/sse?topic=${Array.from({ length: 32 }, (_, i) => `t${i}`).join(',')}`, 200));
  cases.push(get('a topic twice', '/sse?topic=a&topic=a', 200));
  cases.push(get('a __proto__ parameter', '/sse?__proto__=x', 200));
  cases.push(get('a bracketed __proto__ parameter', '/sse?topic[__proto__]=x&constructor[prototype]=y', 200));
  cases.push(get('/sse/ with a bad topic', `/sse/?topic=${enc('a\nb')}`, 400));
  return cases;
}

/** Node trims spaces and tabs around header values; what is left decides the outcome. */
function headerOutcome(value: string): number {
  const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
  return trimmed === '' || isId(trimmed) ? 200 : 400;
}

function resumeCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  const latin1 = (v: string) => /^[\t\x20-\x7e]*$/.test(v);
  for (const value of NOT_IDS.filter(latin1)) {
    const status = headerOutcome(value);
    cases.push({ group: 'resume', name: `Last-Event-ID ${JSON.stringify(value.slice(0, 12))}`, method: 'GET', path: '/sse?topic=hx-r',
      headers: { 'last-event-id': value }, expect: status === 200 ? { status } : { status, code: 'bad_request' } });
  }
  for (const value of [...NOT_IDS.filter((v) => v !== ''), ...CONTROL_CHARS.map((c) => `1-1${c}`)]) {
    cases.push({ group: 'resume', name: `lastEventId ${JSON.stringify(value.slice(0, 12))}`, method: 'GET',
      path: `/sse?topic=hx-r&lastEventId=${enc(value)}`, expect: { status: 400, code: 'bad_request' } });
  }
  const more: Array<[string, string, Record<string, string>, number]> = [
    ['an 8 KiB Last-Event-ID', '/sse', { 'last-event-id': '1'.repeat(8192) }, 400],
    ['a 70 KiB Last-Event-ID (over the header limit)', '/sse', { 'last-event-id': '1'.repeat(70_000) }, 431],
    ['lastEventId twice', '/sse?lastEventId=1-1&lastEventId=1-2', {}, 400],
    ['an empty lastEventId', '/sse?lastEventId=', {}, 200],
    ['a valid header beats a garbage parameter', '/sse?lastEventId=garbage', { 'last-event-id': '1-0' }, 200],
    ['a garbage header beats a valid parameter', '/sse?lastEventId=1-0', { 'last-event-id': 'garbage' }, 400],
    ['an id from the far future', '/sse?topic=hx-r', { 'last-event-id': '999999999999999-999999999999999' }, 200],
    ['the zero id', '/sse?topic=hx-r', { 'last-event-id': '0-0' }, 200],
  ];
  for (const [name, path, headers, status] of more) {
    cases.push({ group: 'resume', name, method: 'GET', path, headers, expect: status === 400 ? { status, code: 'bad_request' } : { status } });
  }
  return cases;
}

function publish(group: string, name: string, body: string, status: number, headers: Record<string, string> = JSON_TYPE): HttpCase {
  const code = { 202: undefined, 400: 'bad_request', 413: 'too_large', 415: 'unsupported_media_type' }[status];
  return { group, name, method: 'POST', path: '/publish', headers, body, expect: code === undefined ? { status } : { status, code } };
}

function publishJsonCases(): HttpCase[] {
  const broken = ['', ' ', '{', '}', '[', ']', '"', "'", 'NaN', 'undefined', '\u0000', "{'topic':'a'}", '{topic:"a"}', '{"topic":"a",}',
    '{"topic":"a"}}', '{"topic" "a"}', '{"a":01}', '{"a":.5}', '{"a":+1}', '{"a":0x10}', '{"a":Infinity}', '/* c */{}', '{}//',
    '{"a":"\t"}', '{"a":"\\x41"}', 'tru', '<xml/>', '\r\n'];
  const notObjects = ['null', 'true', '1', '"s"', '[]', '[1]', '[null]', '[[]]'];
  const valid = JSON.stringify({ topic: PUBLISH_TOPIC, data: { n: 1 } });
  const random = seeded(99);
  return [
    ...broken.map((b) => publish('publish-json', `invalid JSON ${JSON.stringify(b.slice(0, 16))}`, b, 400)),
    ...notObjects.map((b) => publish('publish-json', `not an object ${b}`, b, 400)),
    ...prefixes(valid).map((b) => publish('publish-json', `truncated ${b}`, b, 400)),
    ...Array.from({ length: 60 }, (_, i) => publish('publish-json', `random text #${i}`, `{${randomText(random, 200)}`, 400)),
  ];
}

function publishShapeCases(): HttpCase[] {
  const wrong = ['null', 'true', '0', '1.5', '[]', '{}', '""', '["hx-pub"]'];
  const body = (fields: Record<string, string>) => `{${Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  const t = JSON.stringify(PUBLISH_TOPIC);
  const cases: HttpCase[] = [];
  for (const w of wrong) cases.push(publish('publish-shape', `topic = ${w}`, body({ topic: w, data: '1' }), 400));
  for (const w of wrong) cases.push(publish('publish-shape', `event = ${w}`, body({ topic: t, data: '1', event: w }), 400));
  for (const bad of BAD_TOPICS) cases.push(publish('publish-shape', `topic ${JSON.stringify(bad.slice(0, 12))}`, body({ topic: JSON.stringify(bad), data: '1' }), 400));
  for (const c of CONTROL_CHARS) {
    cases.push(publish('publish-shape', `event with ${charName(c)}`, body({ topic: t, data: '1', event: JSON.stringify(`e${c}x`) }), 400));
  }
  for (const e of ['a b', 'x'.repeat(65), 'ü', 'a\u2028b', 'data: x']) {
    cases.push(publish('publish-shape', `event ${JSON.stringify(e.slice(0, 12))}`, body({ topic: t, data: '1', event: JSON.stringify(e) }), 400));
  }
  cases.push(
    publish('publish-shape', 'no data', body({ topic: t }), 400),
    publish('publish-shape', 'the built-in time topic', body({ topic: '"time"', data: '1' }), 400),
    publish('publish-shape', 'an empty batch', '[]', 400),
    publish('publish-shape', 'a batch with one bad item (nothing published)', `[${body({ topic: t, data: '"never"' })},${body({ topic: '"a b"', data: '1' })}]`, 400),
    publish('publish-shape', '__proto__ key', body({ topic: t, data: '"never"', ['__proto__']: '{"x":1}' }), 400),
    publish('publish-shape', 'nested __proto__ key', body({ topic: t, data: '{"a":{"__proto__":{"x":1}}}' }), 400),
    publish('publish-shape', 'constructor.prototype', body({ topic: t, data: '"never"', constructor: '{"prototype":{"x":1}}' }), 400),
    publish('publish-shape', 'data of 30,000 nested arrays', body({ topic: t, data: nestedArrays(30_000) }), 400),
    publish('publish-shape', 'data of 10,000 nested objects', body({ topic: t, data: nestedObjects(10_000) }), 400),
    // Accepted: these reach the subscriber on PUBLISH_TOPIC.
    publish('publish-shape', 'data null', body({ topic: t, data: 'null' }), 202),
    publish('publish-shape', 'data of 500 nested arrays', body({ topic: t, data: nestedArrays(500) }), 202),
    publish('publish-shape', 'data that looks like SSE fields', body({ topic: t, data: JSON.stringify('x\n\ndata: injected\nid: 1-1\nevent: reset\n\n') }), 202),
    publish('publish-shape', 'data with every control character', body({ topic: t, data: JSON.stringify(CONTROL_CHARS.join('')) }), 202),
    publish('publish-shape', 'data with a lone surrogate', body({ topic: t, data: '"\\ud800"' }), 202),
    publish('publish-shape', 'a valid event name', body({ topic: t, data: '"named"', event: '"a.b:c-d_e"' }), 202),
    publish('publish-shape', 'a batch of two', `[${body({ topic: t, data: '"b1"' })},${body({ topic: t, data: '"b2"' })}]`, 202),
  );
  return cases;
}

function mediaCases(maxBytes: number): HttpCase[] {
  const valid = JSON.stringify({ topic: PUBLISH_TOPIC, data: 'media' });
  const refused = ['text/plain', 'text/html', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
    'application/octet-stream', 'application/jsonx', 'application/ld+json', 'application/xml', 'application/json-patch+json',
    'application/vnd.api+json', '*/*', 'application', 'json', 'application/json, text/plain', 'image/png'];
  const accepted = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;'];
  const padded = (bytes: number) => {
    const head = `{"topic":"${PUBLISH_TOPIC}","data":"`;
    return `${head}${'p'.repeat(bytes - head.length - 2)}"}`;
  };
  return [
    ...refused.map((type) => publish('media', `Content-Type ${type}`, valid, 415, { 'content-type': type })),
    ...accepted.map((type) => publish('media', `Content-Type ${type}`, valid, 202, { 'content-type': type })),
    publish('media', 'a body of exactly MAX_MESSAGE_BYTES', padded(maxBytes), 202),
    publish('media', 'a body of MAX_MESSAGE_BYTES + 1', padded(maxBytes + 1), 413),
    publish('media', 'a body of 10 × MAX_MESSAGE_BYTES', padded(maxBytes * 10), 413),
    publish('media', 'an oversize body that is not JSON', 'x'.repeat(maxBytes + 1), 413),
  ];
}

function methodCases(): HttpCase[] {
  const notFound = { status: 404, code: 'not_found' };
  return [
    ...(['PUT', 'DELETE', 'PATCH'] as const).map((method): HttpCase => ({ group: 'methods', name: `${method} /publish`, method, path: '/publish', expect: notFound })),
    { group: 'methods', name: 'GET /publish', method: 'GET', path: '/publish', expect: notFound },
    { group: 'methods', name: 'POST /sse', method: 'POST', path: '/sse', headers: JSON_TYPE, body: '{}', expect: notFound },
    { group: 'methods', name: 'HEAD /sse', method: 'HEAD', path: '/sse', expect: { status: 404 } },
    { group: 'methods', name: 'GET //sse', method: 'GET', path: '//sse', expect: notFound },
    { group: 'methods', name: 'GET /SSE', method: 'GET', path: '/SSE', expect: notFound },
  ];
}

export function sseCorpus(maxBytes: number): HttpCase[] {
  return [...topicCases(), ...resumeCases(), ...publishJsonCases(), ...publishShapeCases(), ...mediaCases(maxBytes), ...methodCases()];
}

const req = (head: string, body = '') => `${head}\r\n\r\n${body}`;

/** Requests Node's HTTP parser refuses (400 in Fastify's client-error shape) or Fastify stops early (413, 415). */
export function rawCorpus(): RawCase[] {
  const cases: Array<Omit<RawCase, 'group'>> = [
    ...CONTROL_CHARS.filter((c) => c !== '\t').map((c) => ({ name: `raw ${charName(c)} in the URL`, request: req(`GET /sse?topic=a${c}b HTTP/1.1\r\nHost: x`), status: 400 })),
    ...['\u0000', '\n', '\r', '\u0001', '\u007f'].map((c) => ({ name: `${charName(c)} in Last-Event-ID`, request: req(`GET /sse HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1-1${c}id: 2`), status: 400 })),
    { name: 'not HTTP', request: req('HELLO'), status: 400 },
    { name: 'an HTTP/2 preface', request: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 400 },
    { name: 'no Host header', request: req('GET /healthz HTTP/1.1'), status: 400 },
    { name: 'Content-Length and Transfer-Encoding', request: req('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked', '{}'), status: 400 },
    { name: 'two different Content-Lengths', request: req('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3', '{}'), status: 400 },
    { name: 'a negative Content-Length', request: req('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1'), status: 400 },
    { name: 'a bad chunk size', request: req('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked', 'zz\r\n'), status: 400 },
    { name: 'a declared Content-Length of 100 GB', request: req('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999'), status: 413 },
    { name: 'a body without Content-Type', request: req('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 2', '{}'), status: 415 },
    { name: 'Last-Event-ID twice', request: req('GET /sse HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1-1\r\nLast-Event-ID: 1-2'), status: 400 },
  ];
  return cases.map((c) => ({ group: 'raw', ...c }));
}
