import type { IncomingHttpHeaders } from 'node:http';
import { parseCookie } from 'cookie';

/** Where a request's token came from: the app may care (CORS credentials go with cookies). */
export type TokenSource = 'query' | 'header' | 'cookie';

export type TokenLookup =
  | { ok: true; token: string; source: TokenSource }
  | { ok: true; token: undefined }
  | { ok: false; message: string };

interface RequestLike {
  url: string;
  headers: IncomingHttpHeaders;
}

/** The query key that carries a token (browsers cannot set headers on a WebSocket or EventSource). */
export const TOKEN_QUERY_KEY = 'token';
const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/** The query string of a request target, without `?` and fragment. */
export function queryOf(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const end = url.indexOf('#', start);
  return url.slice(start + 1, end === -1 ? undefined : end);
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

/**
 * The token of a request, looked for in the query (`token`, read with
 * URLSearchParams as Fastify does, so `?%74oken=` is the token too), then
 * `Authorization: Bearer`, then the cookie named `cookieName`. Two `token`s in the
 * query, or a query and a header that disagree, are refused: which one would be
 * checked would otherwise depend on the parser. No token at all is not an error
 * here; the route decides whether it needs one.
 */
export function tokenOfRequest(request: RequestLike, cookieName?: string): TokenLookup {
  const inQuery = new URLSearchParams(queryOf(request.url)).getAll(TOKEN_QUERY_KEY);
  if (inQuery.length > 1) return { ok: false, message: `give one "${TOKEN_QUERY_KEY}", not ${inQuery.length}` };
  const authorization = request.headers.authorization;
  const inHeader = bearerToken(authorization);
  if (authorization !== undefined && inHeader === undefined && /^bearer\b/i.test(authorization)) {
    return { ok: false, message: 'Authorization must be "Bearer <token>"' };
  }
  const fromQuery = inQuery[0];
  if (fromQuery !== undefined) {
    if (fromQuery.length === 0) return { ok: false, message: `"${TOKEN_QUERY_KEY}" is empty` };
    if (inHeader !== undefined && inHeader !== fromQuery) {
      return { ok: false, message: `a "${TOKEN_QUERY_KEY}" query and an Authorization header disagree; give one` };
    }
    return { ok: true, token: fromQuery, source: 'query' };
  }
  if (inHeader !== undefined) return { ok: true, token: inHeader, source: 'header' };
  if (cookieName !== undefined && request.headers.cookie !== undefined) {
    const fromCookie = parseCookie(request.headers.cookie)[cookieName];
    if (fromCookie !== undefined && fromCookie.length > 0) return { ok: true, token: fromCookie, source: 'cookie' };
  }
  return { ok: true, token: undefined };
}
