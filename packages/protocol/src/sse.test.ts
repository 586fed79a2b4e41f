import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { encodeComment, encodeEvent, encodeRetry, HEARTBEAT, SseEncodeError } from './sse.js';

function parse(stream: string): { events: EventSourceMessage[]; retries: number[]; comments: string[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (e) => events.push(e),
    onRetry: (ms) => retries.push(ms),
    onComment: (c) => comments.push(c),
  });
  parser.feed(stream);
  return { events, retries, comments };
}

describe('encodeEvent', () => {
  it('writes id, event and data lines ending in a blank line', () => {
    expect(encodeEvent({ id: '1-0', event: 'greet', data: '{"a":1}' })).toBe(
      'id: 1-0\nevent: greet\ndata: {"a":1}\n\n',
    );
  });

  it.each([
    ['plain', 'hello'],
    ['LF inside', 'one\ntwo\nthree'],
    ['trailing LF', 'end\n'],
    ['leading LF', '\nstart'],
    ['empty data', ''],
    ['leading spaces', '   indented'],
    ['a colon', 'key: value: more'],
    ['starts with colon', ':not a comment'],
    ['unicode', 'héllo 世界 🚀 \u2028 \u2029'],
    ['long data', 'x'.repeat(200_000)],
    ['JSON', JSON.stringify({ message: 'line\nbreak', nested: { ok: true } })],
    ['only newlines', '\n\n'],
  ])('round-trips %s through eventsource-parser', (_name, data) => {
    const { events } = parse(encodeEvent({ id: '5-1', event: 'e', data }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: '5-1', event: 'e', data });
  });

  it.each([
    ['CR', 'a\rb\rc', 'a\nb\nc'],
    ['CRLF', 'a\r\nb', 'a\nb'],
    ['mixed', 'a\r\nb\rc\nd', 'a\nb\nc\nd'],
  ])('turns %s line breaks in data into LF, the only break SSE can carry', (_n, data, expected) => {
    const { events } = parse(encodeEvent({ data }));
    expect(events[0]?.data).toBe(expected);
    expect(encodeEvent({ data })).not.toMatch(/\r/);
  });

  it('round-trips a sequence of events in one chunk and byte by byte', () => {
    const datas = ['first', 'sec\nond', '', 'fourth: 4'];
    const stream = encodeRetry(3000) + datas.map((d, i) => encodeEvent({ id: `${i}-0`, data: d })).join('');
    const whole = parse(stream);
    expect(whole.retries).toEqual([3000]);
    expect(whole.events.map((e) => e.data)).toEqual(datas);
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    for (const ch of stream) parser.feed(ch);
    expect(events.map((e) => [e.id, e.data])).toEqual(datas.map((d, i) => [`${i}-0`, d]));
  });

  it.each([
    ['id', { id: 'a\nb' }],
    ['id', { id: 'a\rb' }],
    ['id', { id: 'a\u0000b' }],
    ['event', { event: 'x\ny' }],
    ['event', { event: 'x\r\ny' }],
    ['event', { event: '\u0000' }],
  ])('refuses CR, LF and NUL in %s', (field, ev) => {
    expect(() => encodeEvent(ev)).toThrow(SseEncodeError);
    expect(() => encodeEvent(ev)).toThrow(new RegExp(`"${field}"`));
  });

  it('refuses a retry that is not a non-negative integer', () => {
    expect(() => encodeEvent({ retry: -1 })).toThrow(TypeError);
    expect(() => encodeEvent({ retry: 1.5 })).toThrow(TypeError);
  });
});

describe('comments and heartbeat', () => {
  it('are ignored by the parser as events but seen as comments', () => {
    const { events, comments } = parse(encodeComment('hello\nworld') + HEARTBEAT);
    expect(events).toEqual([]);
    expect(comments.map((c) => c.trim())).toEqual(['hello', 'world', 'ping']);
  });
});
