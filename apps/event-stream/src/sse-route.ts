import type { ServerResponse } from 'node:http';
import type { Bus, History } from '@herald/bus';
import type { Metrics } from '@herald/server-kit';
import { encodeRetry } from '@herald/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unavailable } from '@herald/server-kit';
import { encodeBusEvent, encodeReset } from './frames.js';
import type { Hub } from './hub.js';
import { planReplay, readHistories, readNewest, replayFloors } from './resume.js';
import { parseStreamRequest } from './sse-request.js';
import { atExpiry, type StreamAccess } from './stream-access.js';

export interface SseRouteOptions {
  bus: Bus;
  hub: Hub;
  metrics: Metrics;
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

/**
 * Fastify listens for the response's 'finish' and 'error' to log "request completed"
 * and run onResponse hooks; that listener holds the Fastify request and reply (and
 * a child logger) for as long as the stream is open. A hijacked SSE response only
 * finishes on a drain, so the stream lets go of them instead: about a kilobyte
 * less per idle stream. Fastify's listener is the one on both events; Node's own
 * 'finish' listener (keep-alive bookkeeping) must stay.
 */
function forgetFastify(res: ServerResponse): void {
  const onError = new Set(res.listeners('error'));
  for (const listener of res.listeners('finish')) {
    if (!onError.has(listener)) continue;
    res.removeListener('finish', listener as (...args: unknown[]) => void);
    res.removeListener('error', listener as (...args: unknown[]) => void);
  }
}

/** GET /sse and /sse/: subscribe, replay after Last-Event-ID, then stream live. */
export async function sseRoute(app: FastifyInstance, { bus, hub, metrics, retryMs, access }: SseRouteOptions): Promise<void> {
  const retryLine = encodeRetry(retryMs);

  async function handler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { topics, lastEventId } = parseStreamRequest(
      request.query as Record<string, string | string[] | undefined>,
      request.headers['last-event-id'],
    );
    // 401/403 before anything is subscribed or a stream byte is written.
    const reader = await access.reader(request, topics);
    if (app.draining) throw unavailable('shutting down: reconnect to another instance');
    if (!bus.isReady()) throw unavailable('message bus unavailable');

    let connection: ReturnType<Hub['connect']> | undefined;
    let histories = new Map<string, History>();
    let newest = new Map<string, string>();
    try {
      connection = hub.connect(reply.raw, topics);
      await connection.ready;
      if (lastEventId !== undefined) {
        histories = await readHistories(bus, topics, lastEventId);
        // Only a topic with nothing after the id can be behind it (a made-up id).
        const quiet = [...histories].filter(([, history]) => history.events.length === 0).map(([topic]) => topic);
        if (quiet.length > 0) newest = await readNewest(bus, quiet);
      }
    } catch (err) {
      if (connection) hub.remove(connection.client);
      request.log.warn({ err }, 'SSE subscribe or history failed');
      throw unavailable('message bus unavailable');
    }
    const { client } = connection;
    // The peer left, or a drain began, while we waited for the bus.
    if (client.closed) throw unavailable('stream closed before it started');

    reply.hijack();
    // A hijacked reply skips Fastify's onSend, so the CORS headers @fastify/cors set
    // on `reply` in onRequest are carried over by hand.
    client.stream.open({ ...reply.getHeaders(), ...SSE_HEADERS }, retryLine);
    forgetFastify(reply.raw);
    // Batches still waiting for this turn's flush must land in `held` before the merge.
    hub.flush();
    const replay = planReplay(lastEventId, histories, client.takeHeld());
    let text = replay.resetTopics.length > 0 ? encodeReset(replay.resetTopics, lastEventId!) : '';
    let sent = 0;
    for (const event of replay.events) {
      try {
        text += encodeBusEvent(event);
        sent += 1;
      } catch (err) {
        request.log.warn({ err, topic: event.topic, id: event.id }, 'unencodable event skipped');
      }
    }
    client.goLive(text, lastEventId === undefined ? undefined : replayFloors(topics, lastEventId, replay.events, newest));
    if (sent > 0) metrics.messagesOut.inc(sent);
    if (reader.exp !== undefined) {
      // The client resumes with a new token and Last-Event-ID.
      const cancel = atExpiry(reader.exp, () => {
        client.stream.end();
        hub.remove(client);
      });
      reply.raw.once('close', cancel);
    }
    request.log.debug({ topics, lastEventId, replayed: sent }, 'SSE stream open');
  }

  // No HEAD twin: a HEAD request would register a stream that can never carry a body.
  app.get('/sse', { exposeHeadRoute: false }, handler);
  app.get('/sse/', { exposeHeadRoute: false }, handler);
}
