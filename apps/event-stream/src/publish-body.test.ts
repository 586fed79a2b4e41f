import { describe, expect, it } from 'vitest';
import { HttpError } from '@herald/server-kit';
import { isLoopback } from './publish-auth.js';
import { parsePublishBody } from './publish-body.js';

function refusal(body: unknown): string {
  try {
    parsePublishBody(body);
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).statusCode).toBe(400);
    return (err as HttpError).message;
  }
  throw new Error('expected a refusal');
}

describe('parsePublishBody', () => {
  it('serializes data once, any JSON value', () => {
    expect(parsePublishBody({ topic: 't', data: { a: [1, 'ü'] } })).toEqual({
      items: [{ topic: 't', data: '{"a":[1,"ü"]}' }],
      batch: false,
    });
    expect(parsePublishBody({ topic: 't', data: null, event: 'tick' }).items[0]).toEqual({ topic: 't', data: 'null', event: 'tick' });
  });

  it('takes a batch in order', () => {
    const { items, batch } = parsePublishBody([
      { topic: 'a', data: 1 },
      { topic: 'b', data: 2 },
    ]);
    expect(batch).toBe(true);
    expect(items.map((i) => i.topic)).toEqual(['a', 'b']);
  });

  it('refuses bad items with a message saying what is wrong', () => {
    expect(refusal(undefined)).toMatch(/body/);
    expect(refusal('text')).toMatch(/object/);
    expect(refusal({ topic: 'bad topic', data: 1 })).toMatch(/topic/);
    expect(refusal({ topic: 'time', data: 1 })).toMatch(/built in/);
    expect(refusal({ topic: 't' })).toMatch(/data is required/);
    expect(refusal({ topic: 't', data: 1, event: 'a\nb' })).toMatch(/event/);
    expect(refusal({ topic: 't', data: 1, event: 'a\u0000' })).toMatch(/event/);
    expect(refusal([])).toMatch(/empty batch/);
    expect(refusal([{ topic: 't', data: 1 }, { topic: '' }])).toMatch(/^\[1\]: /);
  });
});

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });
  it.each(['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', '::2', '1127.0.0.1', undefined])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});
