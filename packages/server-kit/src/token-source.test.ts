import { describe, expect, it } from 'vitest';
import { bearerMatcher } from './secrets.js';
import { queryOf, tokenOfRequest } from './token-source.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers });

describe('tokenOfRequest', () => {
  it.each([
    ['?token=', `/ws?token=${JWT}`],
    ['?%74oken= (percent-encoded key)', `/ws?%74oken=${JWT}`],
    ['?%74%6F%6B%65%6E=', `/ws?%74%6F%6B%65%6E=${JWT}`],
    ['percent-encoded value', `/ws?token=${encodeURIComponent(JWT)}`],
    ['after other parameters', `/sse?topic=a&name=x&token=${JWT}`],
  ])('finds the token in the query: %s', (_name, url) => {
    expect(tokenOfRequest(req(url))).toEqual({ ok: true, token: JWT, source: 'query' });
  });

  it('finds a Bearer header, any scheme case', () => {
    expect(tokenOfRequest(req('/sse', { authorization: `Bearer ${JWT}` }))).toEqual({ ok: true, token: JWT, source: 'header' });
    expect(tokenOfRequest(req('/sse', { authorization: `bearer ${JWT}` }))).toEqual({ ok: true, token: JWT, source: 'header' });
  });

  it('finds the cookie named by AUTH_COOKIE, and only with it', () => {
    const headers = { cookie: `theme=dark; herald_token=${JWT}` };
    expect(tokenOfRequest(req('/sse', headers), 'herald_token')).toEqual({ ok: true, token: JWT, source: 'cookie' });
    expect(tokenOfRequest(req('/sse', headers))).toEqual({ ok: true, token: undefined });
    expect(tokenOfRequest(req('/sse', headers), 'other')).toEqual({ ok: true, token: undefined });
  });

  it('prefers the query, then the header, then the cookie', () => {
    const all = { authorization: `Bearer ${JWT}`, cookie: 'herald_token=cookie-token' };
    expect(tokenOfRequest(req(`/ws?token=${JWT}`, all), 'herald_token')).toMatchObject({ source: 'query' });
    expect(tokenOfRequest(req('/ws', all), 'herald_token')).toMatchObject({ source: 'header' });
  });

  it('has no token for Token=, access_token= or a Basic header (not ours; still redacted in logs)', () => {
    expect(tokenOfRequest(req(`/ws?Token=${JWT}&access_token=${JWT}`, { authorization: 'Basic YTpi' }))).toEqual({ ok: true, token: undefined });
  });

  it.each([
    ['two tokens in the query', req(`/ws?token=a&%74oken=b`), /one "token", not 2/],
    ['an empty query token', req('/ws?token='), /"token" is empty/],
    ['a query and a header that disagree', req('/ws?token=a', { authorization: 'Bearer b' }), /disagree/],
    ['a Bearer header without a token', req('/ws', { authorization: 'Bearer ' }), /Bearer <token>/],
    ['a Bearer header with two words', req('/ws', { authorization: 'Bearer a b' }), /Bearer <token>/],
  ])('refuses %s', (_name, request, pattern) => {
    const result = tokenOfRequest(request);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(pattern);
  });
});

describe('queryOf', () => {
  it('strips the path and the fragment', () => {
    expect(queryOf('/ws?a=1&b=2#x')).toBe('a=1&b=2');
    expect(queryOf('/ws')).toBe('');
    expect(queryOf('/ws?')).toBe('');
  });
});

describe('bearerMatcher', () => {
  const matches = bearerMatcher('m'.repeat(16));
  it.each([
    [`Bearer ${'m'.repeat(16)}`, true],
    [`bearer ${'m'.repeat(16)}`, true],
    [`Bearer ${'m'.repeat(15)}`, false],
    [`Bearer ${'m'.repeat(17)}`, false],
    [`Basic ${'m'.repeat(16)}`, false],
    ['m'.repeat(16), false],
    [undefined, false],
  ])('%j -> %s', (header, expected) => {
    expect(matches(header)).toBe(expected);
  });
});
