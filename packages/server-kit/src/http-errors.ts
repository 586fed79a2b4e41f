import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Every HTTP error either service answers, in one shape: `{"error":{"code","message"}}`,
 * also for refusals before a WebSocket upgrade and for requests Node's own parser
 * rejects. Codes shared with the chat protocol (bad_request, unauthorized,
 * forbidden, too_large, rate_limited) keep its spelling.
 */
export const HttpErrorCodes = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  413: 'too_large',
  415: 'unsupported_media_type',
  426: 'upgrade_required',
  429: 'rate_limited',
  431: 'headers_too_large',
  500: 'internal',
  503: 'unavailable',
} as const;

export type HttpStatus = keyof typeof HttpErrorCodes;
export type HttpErrorCode = (typeof HttpErrorCodes)[HttpStatus];

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

export class HttpError extends Error {
  readonly code: HttpErrorCode;

  constructor(
    readonly statusCode: HttpStatus,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.code = HttpErrorCodes[statusCode];
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const tooManyRequests = (message: string) => new HttpError(429, message);
export const unavailable = (message: string) => new HttpError(503, message);

export function errorBody(status: HttpStatus, message: string): ErrorBody {
  return { error: { code: HttpErrorCodes[status], message } };
}

export function isKnownStatus(status: number): status is HttpStatus {
  return Object.hasOwn(HttpErrorCodes, status);
}

/** Seconds a 503 asks the client to wait: a Redis failover or a full instance passes soon. */
export const RETRY_AFTER_SECONDS = 1;

/** Replies with the one error shape (also usable from an onRequest hook before an upgrade). */
export function sendError(reply: FastifyReply, status: HttpStatus, message: string): FastifyReply {
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(status, message));
}

/**
 * Turns HttpErrors and Fastify's own (bad JSON 400, body too large 413, media type
 * 415) into the one JSON shape; anything unexpected is a 500 whose details stay in
 * the log.
 */
async function httpErrors(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500 && !(err instanceof HttpError)) {
      request.log.error({ err }, 'request failed');
      return sendError(reply, 500, 'internal error');
    }
    if (status === 415) {
      const type = JSON.stringify(request.headers['content-type'] ?? '');
      return sendError(reply, 415, `Content-Type ${type} is not accepted: send application/json`);
    }
    if (isKnownStatus(status)) return sendError(reply, status, err.message);
    return sendError(reply, status >= 500 ? 500 : 400, err.message);
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`));
}

export const httpErrorsPlugin = fp(httpErrors, { name: 'herald-http-errors', fastify: '5.x' });

/**
 * Fastify's `clientErrorHandler`: requests Node's parser refuses (malformed, headers
 * too large, or not complete within the request timeout) get the same JSON shape
 * instead of Fastify's default one.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return void socket.destroy(err);
  const status: HttpStatus =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message =
    status === 408 ? 'request not received in time' : status === 431 ? 'request headers are too large' : 'malformed HTTP request';
  const body = JSON.stringify(errorBody(status, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
