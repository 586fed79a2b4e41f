import { describe, expect, it } from 'vitest';
import { HttpError } from '@herald/server-kit';
import { MAX_TOPICS_PER_STREAM, parseStreamRequest } from './sse-request.js';

function refusal(query: Record<string, string | string[]>, header?: string): string {
  try {
    parseStreamRequest(query, header);
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    return (err as HttpError).message;
  }
  throw new Error('expected a refusal');
}

describe('parseStreamRequest', () => {
  it('defaults to the time topic', () => {
    expect(parseStreamRequest({}, undefined)).toEqual({ topics: ['time'], lastEventId: undefined });
  });

  it('takes repeated and comma-separated topics, once each', () => {
    expect(parseStreamRequest({ topic: ['a', 'b,c', 'a'] }, undefined).topics).toEqual(['a', 'b', 'c']);
  });

  it('prefers the Last-Event-ID header over the query', () => {
    expect(parseStreamRequest({ lastEventId: '1-0' }, '2-0').lastEventId).toBe('2-0');
    expect(parseStreamRequest({ lastEventId: '1-0' }, undefined).lastEventId).toBe('1-0');
    expect(parseStreamRequest({ lastEventId: '1-0' }, '').lastEventId).toBe('1-0');
  });

  it('names the bad topic', () => {
    expect(refusal({ topic: 'ok,b@d' })).toContain('"b@d"');
    expect(refusal({ topic: 'a,' })).toContain('""');
  });

  it('caps topics per stream', () => {
    const topics = Array.from({ length: MAX_TOPICS_PER_STREAM + 1 }, (_, i) => `t${i}`).join(',');
    expect(refusal({ topic: topics })).toContain(`at most ${MAX_TOPICS_PER_STREAM}`);
  });

  it('refuses ids that are not ids, whatever their size', () => {
    expect(refusal({}, 'garbage')).toContain('Last-Event-ID');
    expect(refusal({}, '1-0\nevent: x')).toContain('Last-Event-ID');
    expect(refusal({}, `${'9'.repeat(5000)}-0`)).toContain('…');
    expect(refusal({ lastEventId: 'x' })).toContain('lastEventId');
  });
});
