/**
 * Pusher HTTP API request signing
 * (https://pusher.com/docs/channels/library_auth_reference/rest-api/#authentication):
 * the query carries auth_key, auth_timestamp, auth_version=1.0, body_md5 (when there is a
 * body) and auth_signature = HMAC-SHA256(secret, `METHOD\nPATH\nQUERY`), QUERY being every
 * other parameter as `key=value` (keys lower-cased, values not escaped), sorted by key,
 * joined by `&` (pusher SDK lib/requests.js createSignedQueryString).
 */
import { createHash } from 'node:crypto';
import type { PusherApp } from './apps.js';
import { hmacHex, signatureMatches } from './sign.js';

/** Pusher refuses timestamps more than 600 s away from its clock, either way. */
export const MAX_TIMESTAMP_SKEW_SECONDS = 600;
export const AUTH_VERSION = '1.0';

export type ApiAuthFailureCode =
  | 'missing_parameter'
  | 'duplicate_parameter'
  | 'unknown_key'
  | 'unsupported_version'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'missing_body_md5'
  | 'bad_body_md5'
  | 'bad_signature';

/** Every failure is an HTTP 401 with `message` as its text, as Pusher answers. */
export type ApiAuthResult = { ok: true } | { ok: false; status: 401; code: ApiAuthFailureCode; message: string };

export interface ApiRequest {
  /** As in the request line; upper-cased before signing. */
  readonly method: string;
  /** The path exactly as requested, without the query: `/apps/1/events`. */
  readonly path: string;
  /** The raw query (after `?`), or the parsed query (a repeated key gives an array). */
  readonly query: string | Readonly<Record<string, unknown>>;
  /** The raw body bytes; body_md5 is over these, not over a re-serialization. */
  readonly body?: string | Uint8Array | undefined;
}

const fail = (code: ApiAuthFailureCode, message: string): ApiAuthResult => ({ ok: false, status: 401, code, message });

export function md5Hex(body: string | Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

/** The string Pusher signs; also shown in the bad-signature message, like Pusher does. */
export function stringToSign(method: string, path: string, params: ReadonlyMap<string, string>): string {
  return `${method.toUpperCase()}\n${path}\n${canonicalQuery(params)}`;
}

function canonicalQuery(params: ReadonlyMap<string, string>): string {
  return [...params]
    .filter(([key]) => key !== 'auth_signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

export function verifyApiRequest(app: PusherApp, request: ApiRequest, nowMs: number): ApiAuthResult {
  const params = new Map<string, string>();
  for (const [rawKey, value] of entries(request.query)) {
    const key = rawKey.toLowerCase();
    if (params.has(key) || typeof value !== 'string') return fail('duplicate_parameter', `Duplicate parameter: ${key}`);
    params.set(key, value);
  }
  for (const name of ['auth_key', 'auth_timestamp', 'auth_version', 'auth_signature']) {
    if (!params.has(name)) return fail('missing_parameter', `Missing parameter: ${name}`);
  }
  if (params.get('auth_key') !== app.key) return fail('unknown_key', 'Unknown auth_key');
  if (params.get('auth_version') !== AUTH_VERSION) {
    return fail('unsupported_version', `Unsupported auth_version: only ${AUTH_VERSION} is supported`);
  }
  const timestamp = params.get('auth_timestamp') ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) return fail('bad_timestamp', 'auth_timestamp must be seconds since the epoch');
  const now = Math.floor(nowMs / 1000);
  if (Math.abs(now - Number(timestamp)) > MAX_TIMESTAMP_SKEW_SECONDS) {
    return fail(
      'stale_timestamp',
      `Timestamp expired: Given timestamp (${timestamp}) not within ${MAX_TIMESTAMP_SKEW_SECONDS} of server time (${now})`,
    );
  }
  const body = request.body ?? '';
  const md5 = params.get('body_md5');
  if (md5 === undefined && body.length > 0) return fail('missing_body_md5', 'Missing parameter: body_md5 (required with a body)');
  if (md5 !== undefined && md5.toLowerCase() !== md5Hex(body)) {
    return fail('bad_body_md5', 'The body_md5 parameter does not match the MD5 of the body');
  }
  const signed = stringToSign(request.method, request.path, params);
  if (!signatureMatches(hmacHex(app.secret, signed), params.get('auth_signature'))) {
    return fail(
      'bad_signature',
      `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(signed)}, your_secret_key), but you sent ${JSON.stringify(params.get('auth_signature'))}`,
    );
  }
  return { ok: true };
}

function entries(query: ApiRequest['query']): [string, unknown][] {
  if (typeof query !== 'string') return Object.entries(query).filter(([, value]) => value !== undefined);
  const out: [string, unknown][] = [];
  for (const part of query.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const [key, value] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    out.push([decode(key), decode(value)]);
  }
  // A key given twice shows up as an array, as in a parsed query.
  const merged = new Map<string, unknown>();
  for (const [key, value] of out) merged.set(key, merged.has(key) ? [merged.get(key), value] : value);
  return [...merged];
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Signs a request the way the pusher SDK does (for Herald's own tests, tools and bench):
 * returns the query string to append after `?`.
 */
export function signApiRequest(
  app: PusherApp,
  request: { method: string; path: string; params?: Readonly<Record<string, string>>; body?: string | Uint8Array },
  nowMs: number,
): string {
  const params = new Map<string, string>([
    ['auth_key', app.key],
    ['auth_timestamp', String(Math.floor(nowMs / 1000))],
    ['auth_version', AUTH_VERSION],
  ]);
  if (request.body !== undefined && request.body.length > 0) params.set('body_md5', md5Hex(request.body));
  for (const [key, value] of Object.entries(request.params ?? {})) params.set(key, value);
  const signature = hmacHex(app.secret, stringToSign(request.method, request.path, params));
  return `${canonicalQuery(params)}&auth_signature=${signature}`;
}
