import { encodeRetry } from '@herald/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unavailable, type ConnectionGate } from '@herald/server-kit';
import { releaseFastifyListeners } from './node-private.js';
import type { StreamHub } from './stream-hub.js';
import { parseStreamRequest } from './sse-request.js';
import type { StreamAccess } from './stream-access.js';

export interface SseRouteOptions {
  hub: StreamHub;
  retryMs: number;
  access: StreamAccess;
  gate: ConnectionGate;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx buffers proxied responses unless told not to; a buffered stream is not live.
  'x-accel-buffering': 'no',
} as const;

/** GET /sse and /sse/: parse, let the hub open the stream (resume included), take the response over. */
export async function sseRoute(app: FastifyInstance, { hub, retryMs, access, gate }: SseRouteOptions): Promise<void> {
  const retryLine = encodeRetry(retryMs);

  async function handler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { topics, lastEventId } = parseStreamRequest(
      request.query as Record<string, string | string[] | undefined>,
      request.headers['last-event-id'],
    );
    // 401/403 before anything is subscribed or a stream byte is written.
    const reader = await access.reader(request, topics);
    if (app.draining) throw unavailable('shutting down: reconnect to another instance');
    // 429 before anything is subscribed. The slot is held by the response, whose
    // close comes with every end: an error reply after this (503), the client
    // leaving, a slow cut-off, the drain, the token's exp.
    const refused = gate.admit({ ip: request.ip, user: reader.user, closes: reply.raw, log: request.log });
    if (refused !== undefined) throw refused;
    const stream = await hub.open(reply.raw, { topics, after: lastEventId, log: request.log, expiresAt: reader.exp });

    reply.hijack();
    // A hijacked reply skips Fastify's onSend, so the CORS headers @fastify/cors set
    // on `reply` in onRequest are carried over by hand.
    stream.start({ ...reply.getHeaders(), ...SSE_HEADERS }, retryLine);
    releaseFastifyListeners(reply.raw);
    request.log.debug({ topics, lastEventId }, 'SSE stream open');
  }

  // No HEAD twin: a HEAD request would register a stream that can never carry a body.
  app.get('/sse', { exposeHeadRoute: false }, handler);
  app.get('/sse/', { exposeHeadRoute: false }, handler);
}
