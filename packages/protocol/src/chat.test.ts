import { describe, expect, it } from 'vitest';
import { decodeClientMessage } from './chat.js';

function error(text: string) {
  const result = decodeClientMessage(text);
  if (result.ok) throw new Error(`expected an error for ${text}`);
  return result.error;
}

describe('decodeClientMessage', () => {
  it('accepts join, join with since, leave and send', () => {
    expect(decodeClientMessage('{"type":"join","room":"lobby"}')).toEqual({
      ok: true,
      message: { type: 'join', room: 'lobby' },
    });
    expect(decodeClientMessage('{"type":"join","room":"a.b-c_d","since":"17-2"}').ok).toBe(true);
    expect(decodeClientMessage('{"type":"leave","room":"lobby"}').ok).toBe(true);
    expect(decodeClientMessage('{"type":"send","room":"lobby","text":"hi","ref":"r1"}')).toEqual({
      ok: true,
      message: { type: 'send', room: 'lobby', text: 'hi', ref: 'r1' },
    });
  });

  it.each([
    ['not JSON', 'hello', /invalid JSON/],
    ['truncated JSON', '{"type":"join"', /invalid JSON/],
    ['an array', '[1,2]', /JSON object/],
    ['a string', '"join"', /JSON object/],
    ['null', 'null', /JSON object/],
    ['no type', '{"room":"lobby"}', /missing "type"/],
    ['numeric type', '{"type":5}', /missing "type"/],
    ['unknown type', '{"type":"explode"}', /unknown message type "explode"/],
    ['proto type', '{"type":"__proto__"}', /unknown message type/],
    ['constructor type', '{"type":"constructor"}', /unknown message type/],
    ['join without room', '{"type":"join"}', /room/],
    ['room with space', '{"type":"join","room":"a b"}', /"room" must be/],
    ['room with newline', '{"type":"join","room":"a\\nb"}', /"room" must be/],
    ['room too long', `{"type":"join","room":"${'r'.repeat(65)}"}`, /"room" must be/],
    ['room empty', '{"type":"join","room":""}', /"room" must be/],
    ['room a number', '{"type":"join","room":7}', /"room"/],
    ['bad since', '{"type":"join","room":"x","since":"yesterday"}', /"since" must be a message id/],
    ['since number', '{"type":"join","room":"x","since":5}', /"since"/],
    ['send without text', '{"type":"send","room":"x"}', /"text"/],
    ['send empty text', '{"type":"send","room":"x","text":""}', /"text"/],
    ['send text object', '{"type":"send","room":"x","text":{}}', /"text"/],
    ['refresh without token', '{"type":"refresh"}', /"token" must be a token/],
    ['refresh empty token', '{"type":"refresh","token":""}', /"token" must be a token of 1-8192/],
    ['refresh token a number', '{"type":"refresh","token":5}', /"token" must be a token/],
    ['refresh token too long', `{"type":"refresh","token":"${'t'.repeat(8193)}"}`, /"token" must be a token/],
    ['history with after and before', '{"type":"history","room":"x","after":"1-0","before":"9-0"}', /exactly one of "after".*or "before"/],
    ['history with neither', '{"type":"history","room":"x","limit":5}', /exactly one of "after"/],
    ['history bad after', '{"type":"history","room":"x","after":"newest"}', /"after" must be a message id/],
    ['history bad before', '{"type":"history","room":"x","before":"1-"}', /"before" must be a message id/],
    ['history limit 0', '{"type":"history","room":"x","after":"1-0","limit":0}', /"limit" must be a whole number from 1 to 1000/],
    ['history limit over the max', '{"type":"history","room":"x","after":"1-0","limit":1001}', /"limit" must be a whole number from 1 to 1000/],
    ['history limit a fraction', '{"type":"history","room":"x","after":"1-0","limit":2.5}', /"limit" must be a whole number/],
    ['history limit a string', '{"type":"history","room":"x","after":"1-0","limit":"5"}', /"limit"/],
    ['history without room', '{"type":"history","after":"1-0"}', /"room"/],
    ['ref too long', `{"type":"send","room":"x","text":"t","ref":"${'f'.repeat(65)}"}`, /"ref"/],
  ])('refuses %s with bad_request', (_name, text, pattern) => {
    const e = error(text);
    expect(e.type).toBe('error');
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(pattern);
  });

  it('accepts history after or before an id, with an optional limit and ref', () => {
    expect(decodeClientMessage('{"type":"history","room":"r","after":"17-2","limit":1000,"ref":"h1"}')).toEqual({
      ok: true,
      message: { type: 'history', room: 'r', after: '17-2', limit: 1000, ref: 'h1' },
    });
    expect(decodeClientMessage('{"type":"history","room":"r","before":"17-2"}')).toEqual({
      ok: true,
      message: { type: 'history', room: 'r', before: '17-2' },
    });
  });

  it('keeps the ref of a refused history request and of a join', () => {
    expect(error('{"type":"history","room":"r","after":"1-0","before":"2-0","ref":"h9"}').ref).toBe('h9');
    expect(decodeClientMessage('{"type":"join","room":"r","ref":"j1"}')).toEqual({ ok: true, message: { type: 'join', room: 'r', ref: 'j1' } });
  });

  it('accepts refresh with a token', () => {
    expect(decodeClientMessage('{"type":"refresh","token":"a.b.c"}')).toEqual({
      ok: true,
      message: { type: 'refresh', token: 'a.b.c' },
    });
  });

  it('never echoes a refused token', () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.secret-part';
    for (const frame of [
      `{"type":"refresh","token":"${secret}${'x'.repeat(8192)}"}`,
      `{"type":"refresh","token":["${secret}"]}`,
      `{"type":"refresh","token":{"value":"${secret}"}}`,
    ]) {
      expect(error(frame).message).not.toContain('secret-part');
    }
  });

  it('echoes a usable ref on errors', () => {
    expect(error('{"type":"send","room":"bad room","text":"t","ref":"abc"}').ref).toBe('abc');
    expect(error('{"type":"nope","ref":"r9"}').ref).toBe('r9');
    expect(error('{"type":"nope","ref":7}').ref).toBeUndefined();
  });

  it('does not pollute prototypes with __proto__ keys', () => {
    const result = decodeClientMessage('{"type":"join","room":"x","__proto__":{"polluted":true}}');
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
