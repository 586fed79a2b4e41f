import { BusUnavailableError, type Bus } from '@herald/bus';
import { isUserId, type PusherApps } from '@herald/pusher';
import { badRequest, unavailable, type Metrics } from '@herald/server-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiAuth } from './api-auth.js';
import { ChannelQueries } from './api-channels.js';
import { ApiRefusal, parseBatchBody, parseEventsBody, type ApiEvent } from './api-events.js';
import { Terminations } from './terminations.js';

export interface PusherHttpApiOptions {
  apps: PusherApps;
  bus: Bus;
  metrics: Metrics;
  /** Largest request body (MAX_MESSAGE_BYTES, as for publishes). */
  bodyLimit: number;
  /** Largest `data` of one event (PUSHER_MAX_EVENT_DATA_BYTES). */
  maxEventDataBytes: number;
}

/**
 * Pusher's HTTP API on `/apps/{id}/…`, for the server SDKs: triggers, channel queries,
 * terminate_connections. Registered without fastify-plugin: its catch-all raw-body
 * parser (body_md5 is over the exact bytes) stays in this scope, no other route sees it.
 * Needs the transport (plugin.ts) registered before it: it publishes through its hub.
 */
export async function pusherHttpApi(app: FastifyInstance, options: PusherHttpApiOptions): Promise<void> {
  const { apps, bus, metrics, bodyLimit, maxEventDataBytes } = options;
  const hub = app.pusherHub;
  const sockets = app.pusherSockets;
  if (!hub || !sockets) throw new Error('pusherHttpApi needs the Pusher transport (pusherPlugin) registered first');
  const queries = new ChannelQueries(bus.presence);
  const terminations = new Terminations(bus, sockets, app.log);
  terminations.start(apps);
  app.addHook('onClose', async () => terminations.close());

  app.removeAllContentTypeParsers();
  // Any content type (the SDKs send application/json, some clients nothing): the bytes as sent.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  app.addHook('preHandler', apiAuth(apps));
  app.addHook('onError', async (request, _reply, err) => {
    if (err instanceof ApiRefusal && err.limit !== undefined) metrics.limitRefusals.inc({ limit: err.limit });
    // A refused trigger is a message not delivered; a refused query is not.
    if (request.method === 'POST') metrics.dropped.inc();
  });

  const appId = (request: FastifyRequest) => request.pusherApp!.id;
  const params = (request: FastifyRequest) => request.params as Record<string, string>;

  async function publish(id: string, events: readonly ApiEvent[]): Promise<void> {
    let published = 0;
    try {
      for (const event of events) {
        await Promise.all(event.channels.map((channel) => hub!.publish(id, channel, { event: event.name, data: event.data, exclude: event.socketId })));
        published += event.channels.length;
      }
    } catch (err) {
      app.log.warn({ err, published }, 'Pusher trigger failed');
      throw unavailable(published === 0 ? 'message bus unavailable' : `message bus failed after ${published} channel publishes`);
    } finally {
      if (published > 0) metrics.messagesIn.inc(published);
    }
  }

  /** A query the bus cannot answer now is a 503, as a failed publish. */
  async function fromBus<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      if (!(err instanceof BusUnavailableError)) throw err;
      app.log.warn({ err }, 'Pusher channel query failed');
      throw unavailable('message bus unavailable');
    }
  }

  const bounded = { bodyLimit };
  app.post('/apps/:appId/events', bounded, async (request) => {
    await publish(appId(request), [parseEventsBody(request.body, maxEventDataBytes)]);
    return {};
  });
  app.post('/apps/:appId/batch_events', bounded, async (request) => {
    await publish(appId(request), parseBatchBody(request.body, maxEventDataBytes));
    return {};
  });
  app.get('/apps/:appId/channels', async (request) => fromBus(() => queries.list(appId(request), request.query as Record<string, unknown>)));
  app.get('/apps/:appId/channels/:channel', async (request) =>
    fromBus(() => queries.channel(appId(request), params(request).channel!, request.query as Record<string, unknown>)),
  );
  app.get('/apps/:appId/channels/:channel/users', async (request) => fromBus(() => queries.users(appId(request), params(request).channel!)));
  app.post('/apps/:appId/users/:userId/terminate_connections', bounded, async (request) => {
    const { userId } = params(request);
    if (!isUserId(userId)) throw badRequest(`not a valid user id: ${JSON.stringify(userId)}`);
    await terminations.request(appId(request), userId);
    return {};
  });
}
