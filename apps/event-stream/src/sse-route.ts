import { encodeRetry } from '@herald/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unavailable } from '@herald/server-kit';
import { releaseFastifyListeners } from './node-private.js';
import type { StreamHub } from './stream-hub.js';
import { parseStreamRequest } from './sse-request.js';
import type { StreamAccess } from './stream-access.js';

export interface SseRouteOptions {
  hub: StreamHub;
  retryMs: number;
  access: StreamAccess;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx buffers proxied responses unless told not to; a buffered stream is not live.
  'x-accel-buffering': 'no',
} as const;

/** GET /sse and /sse/: parse, let the hub open the stream (resume included), take the response over. */
export async function sseRoute(app: FastifyInstance, { hub, retryMs, access }: SseRouteOptions): Promise<void> {
  const retryLine = encodeRetry(retryMs);

  async function handler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { topics, lastEventId } = parseStreamRequest(
      request.query as Record<string, string | string[] | undefined>,
      request.headers['last-event-id'],
    );
    // 401/403 before anything is subscribed or a stream byte is written.
    const reader = await access.reader(request, topics);
    if (app.draining) throw unavailable('shutting down: reconnect to another instance');
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
