import { describe, expect, it } from 'vitest';
import { HttpError } from '@herald/server-kit';
import { parsePublishBody } from './publish-body.js';

// A 64 KiB body holds 32,000 levels of `[`; JSON.parse accepts them, JSON.stringify
// overflowed the stack and the publish answered 500.
describe('parsePublishBody and deeply nested data', () => {
  it('refuses data too deep to serialize with a 400', () => {
    const depth = 30_000;
    const data: unknown = JSON.parse('['.repeat(depth) + ']'.repeat(depth));
    let caught: unknown;
    try {
      parsePublishBody({ topic: 't', data });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect((caught as HttpError).statusCode).toBe(400);
    expect((caught as HttpError).message).toBe('data is nested too deeply');
  });

  it('names the batch item that is too deep', () => {
    const deep: unknown = JSON.parse('['.repeat(30_000) + ']'.repeat(30_000));
    expect(() => parsePublishBody([{ topic: 't', data: 1 }, { topic: 't', data: deep }])).toThrow('[1]: data is nested too deeply');
  });

  it('still publishes ordinary nesting', () => {
    const data: unknown = JSON.parse('['.repeat(100) + ']'.repeat(100));
    expect(parsePublishBody({ topic: 't', data }).items[0]!.data).toBe('['.repeat(100) + ']'.repeat(100));
  });
});
