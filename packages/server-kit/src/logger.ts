import type { FastifyServerOptions } from 'fastify';

// Tokens travel in `?token=` (browsers cannot set headers on a WebSocket) and in
// Authorization headers; neither may reach a log line.
const SECRET_PARAMS = /([?&](?:token|access_token)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
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
