import type { FastifyServerOptions } from 'fastify';

// Tokens travel in the query (browsers cannot set headers on a WebSocket or an
// EventSource) and in headers; none may reach a log line. Keys are compared as the
// query parser reads them (percent-decoded, `+` as space) and case-insensitively,
// so `?%74oken=`, `?Token=` and `?access_token=` are all caught: matching the raw
// text missed `%74oken`, which Fastify still read as the token (issue 11).
const SECRET_KEY = /token|secret|passw|signature/i;

function isSecretKey(rawKey: string): boolean {
  if (SECRET_KEY.test(rawKey)) return true;
  // URLSearchParams decodes exactly like the parser that found the token.
  const [decoded] = new URLSearchParams(`${rawKey}=`).keys();
  return decoded !== undefined && SECRET_KEY.test(decoded);
}

// A JWT anywhere else (a path segment, a bare `?eyJ...`, an unusual key) is cut too.
const JWT_LIKE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * `url` with the value of every query parameter whose key names a secret replaced
 * by `[redacted]`, and anything shaped like a JWT cut wherever it is.
 */
export function redactUrl(url: string): string {
  return redactQuery(url).replace(JWT_LIKE, '[redacted]');
}

function redactQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const hash = url.indexOf('#', start);
  const end = hash === -1 ? url.length : hash;
  const query = url
    .slice(start + 1, end)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      return isSecretKey(key) ? `${key}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, start + 1)}${query}${url.slice(end)}`;
}

interface RequestLike {
  method: string;
  url: string;
  ip?: string;
  id?: string;
}

/** pino options for Fastify: JSON to stdout, no secrets. */
export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    serializers: {
      req(request: RequestLike) {
        return { method: request.method, url: redactUrl(request.url), ip: request.ip, id: request.id };
      },
    },
  };
}
