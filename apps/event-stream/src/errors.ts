import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Every HTTP error this service answers, in one shape:
 * `{"error":{"code","message"}}`. Codes shared with the chat gateway
 * (bad_request, unauthorized, too_large) keep the protocol's spelling.
 */
export const HttpErrorCodes = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'too_large',
  415: 'unsupported_media_type',
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
export const unavailable = (message: string) => new HttpError(503, message);

export function errorBody(status: HttpStatus, message: string): ErrorBody {
  return { error: { code: HttpErrorCodes[status], message } };
}

function isKnownStatus(status: number): status is HttpStatus {
  return Object.hasOwn(HttpErrorCodes, status);
}

function sendError(reply: FastifyReply, status: HttpStatus, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(status, message));
}

/**
 * Turns our HttpErrors and Fastify's own (bad JSON 400, body too large 413, media
 * type 415) into the one JSON shape; anything unexpected is a 500 whose details
 * stay in the log.
 */
async function errors(app: FastifyInstance): Promise<void> {
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

export const errorsPlugin = fp(errors, { name: 'event-stream-errors', fastify: '5.x' });
