import { describe, expect, it } from 'vitest';
import { parseData, publishEvent } from './publish-panel.js';

function fakeFetch(status: number, body: unknown) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const impl = (async (url: URL | RequestInfo, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { impl, calls };
}

describe('publishEvent', () => {
  it('POSTs {topic, data} as JSON to /publish and returns the id', async () => {
    const { impl, calls } = fakeFetch(202, { id: '5-0' });
    await expect(publishEvent('http://s:8088', 'news', { a: 1 }, undefined, impl)).resolves.toBe('5-0');
    expect(calls[0]?.url).toBe('http://s:8088/publish');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ topic: 'news', data: { a: 1 } });
    expect(calls[0]?.init?.headers).not.toHaveProperty('authorization');
  });

  it('sends the token as a Bearer header and reports a refusal with its status', async () => {
    const { impl, calls } = fakeFetch(401, { error: 'unauthorized', message: 'a valid token is required' });
    await expect(publishEvent('http://s:8088', 'news', 1, 'tok', impl)).rejects.toThrow(
      'HTTP 401: a valid token is required',
    );
    expect(calls[0]?.init?.headers).toMatchObject({ authorization: 'Bearer tok' });
  });
});

describe('parseData', () => {
  it('parses JSON and keeps anything else as text', () => {
    expect(parseData('{"a":1}')).toEqual({ a: 1 });
    expect(parseData('hello')).toBe('hello');
  });
});
