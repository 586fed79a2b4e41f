import { REDIS_BUS_DEFAULTS, type Bus } from '@herald/bus';
import { checkConnect, newSocketId, PusherCode, serverFrames, type PusherApps } from '@herald/pusher';
import { type ConnectionGate, featureCounter, type Metrics, sendError } from '@herald/server-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import type { GatewayConfig } from '../config.js';
import { isOriginAllowed } from '../origin.js';
import { Outbox } from '../outbox.js';
import { ChannelHub } from './channel-hub.js';
import { handlePusherFrame, type FrameContext } from './frame-handler.js';
import { PusherSocket } from './pusher-socket.js';
import { WebhookSender } from './webhook-sender.js';

export interface PusherPluginOptions {
  config: GatewayConfig;
  apps: PusherApps;
  bus: Bus;
  metrics: Metrics;
  drainGraceMs: number;
  /** The gateway's MAX_CONNECTIONS_PER_* (shared with /ws and /). */
  gate: ConnectionGate;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Pusher transport's channels on this instance (when PUSHER_* is set). */
    pusherHub?: ChannelHub;
    /** Its open sockets (the HTTP API's terminate_connections closes some). */
    pusherSockets?: ReadonlySet<PusherSocket>;
    /** This instance's webhook sender (when PUSHER_WEBHOOK_URL is set); one instance sends at a time. */
    pusherWebhooks?: WebhookSender;
  }
}

/**
 * Pusher Channels protocol 7 on `GET /app/{key}`, on the gateway's bus. The pure
 * protocol lives in @herald/pusher; this is the transport: sockets, liveness, drain.
 */
async function pusherTransport(app: FastifyInstance, options: PusherPluginOptions): Promise<void> {
  const { config, apps, bus, metrics, drainGraceMs, gate } = options;
  const { pusher } = config;
  const hub = new ChannelHub({ bus, metrics, log: app.log, recordClientEvents: pusher.webhook !== undefined });
  app.decorate('pusherHub', hub);
  if (pusher.webhook !== undefined) {
    const webhookRequests = featureCounter(
      metrics,
      'herald_pusher_webhook_requests_total',
      'Pusher webhook requests sent by this instance, by outcome (delivered: a 2xx; failed: retried)',
      ['outcome'],
    );
    const webhookEvents = featureCounter(metrics, 'herald_pusher_webhook_events_total', 'Pusher webhook events delivered (a 2xx) by this instance');
    const sender = new WebhookSender({
      journal: bus.journal,
      apps,
      url: pusher.webhook.url,
      batchMs: pusher.webhook.batchMs,
      // An instance silent this long is taken for dead by presence; its lease lapses with it.
      leaseMs: config.presenceTtlMs ?? REDIS_BUS_DEFAULTS.presenceTtlMs,
      log: app.log,
      onRequest: (outcome, events) => {
        webhookRequests.inc({ outcome });
        if (outcome === 'delivered') webhookEvents.inc(events);
      },
    });
    app.decorate('pusherWebhooks', sender);
    app.addHook('onReady', async () => sender.start());
    // After preClose closed the sockets, so the drain's vacated/member_removed go out too.
    app.addHook('onClose', async () => sender.stop(drainGraceMs));
  }
  const sockets = new Set<PusherSocket>();
  const outbox = new Outbox();
  const releasing = new Set<Promise<void>>();
  const ctx: FrameContext = {
    hub,
    log: app.log,
    maxChannels: pusher.maxChannels,
    // The same data limit as a trigger's (PUSHER_MAX_EVENT_DATA_BYTES); the frame itself is capped by MAX_MESSAGE_BYTES.
    maxEventBytes: pusher.maxEventDataBytes,
    onClientEventRefused: () => metrics.limitRefusals.inc({ limit: 'pusher_client_events' }),
    onTopicLimit: () => metrics.limitRefusals.inc({ limit: 'topics' }),
    onSubscribeRefused: () => metrics.limitRefusals.inc({ limit: 'joins' }),
  };

  function open(ws: WebSocket, request: FastifyRequest): void {
    const { key } = request.params as { key: string };
    const checked = checkConnect(apps, key, (request.query as Record<string, unknown>).protocol);
    // Pusher answers a bad key or version after the upgrade, with the close code pusher-js acts on.
    if (!checked.ok) {
      ws.send(serverFrames.pusherError(checked.reason, checked.code));
      ws.close(checked.code, checked.reason.slice(0, 123));
      return;
    }
    const socket = new PusherSocket({
      socket: ws,
      app: checked.app,
      socketId: newSocketId(),
      maxBufferedBytes: config.maxBufferedBytes,
      clientEventRate: pusher.clientEventRate,
      subscribeRate: config.joinRateLimit,
      subscribeBurst: config.joinBurst,
      outbox,
      onSlow: () => {
        metrics.slowConsumersClosed.inc();
        metrics.dropped.inc();
      },
    });
    sockets.add(socket);
    metrics.connections.inc();
    ws.on('message', (data, isBinary) => handlePusherFrame(ctx, socket, data, isBinary));
    ws.on('error', (err) => request.log.debug({ err }, 'pusher websocket error'));
    ws.once('close', () => {
      socket.markClosed();
      sockets.delete(socket);
      metrics.connections.dec();
      socket.schedule(() => hub.release(socket), (err) => app.log.warn({ err }, 'Pusher release failed'));
      // A drain waits for these too: its leaves (and so the webhooks' vacated) reach the bus before the app closes.
      const released = socket.queue;
      releasing.add(released);
      void released.finally(() => releasing.delete(released));
    });
    socket.send(serverFrames.connectionEstablished(socket.socketId, pusher.activityTimeoutSeconds));
  }

  // Pusher's liveness: after activity_timeout of silence we ping; no answer within the pong timeout closes with 4201.
  const activityMs = pusher.activityTimeoutSeconds * 1000;
  const tick = Math.max(50, Math.min(1000, Math.floor(Math.min(activityMs, pusher.pongTimeoutMs) / 4)));
  const liveness = setInterval(() => {
    const now = performance.now();
    for (const socket of sockets) {
      if (socket.pingSentAt !== undefined) {
        if (now - socket.pingSentAt >= pusher.pongTimeoutMs) socket.close(PusherCode.PONG_NOT_RECEIVED);
      } else if (now - socket.lastSeen >= activityMs) {
        socket.pingSentAt = now;
        socket.send(serverFrames.ping());
      }
    }
  }, tick);
  liveness.unref();
  // The HTTP API's terminate_connections closes some of them (terminations.ts).
  app.decorate('pusherSockets', sockets);

  app.addHook('preClose', async () => {
    // 4200: pusher-js reconnects at once, to another instance behind the balancer.
    for (const socket of sockets) socket.close(PusherCode.RECONNECT);
    const deadline = Date.now() + drainGraceMs;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of sockets) socket.socket.terminate();
    await Promise.all([...sockets].map((socket) => socket.queue));
    await Promise.all(releasing);
  });
  app.addHook('onClose', async () => {
    clearInterval(liveness);
    hub.close();
  });

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.ws) return undefined;
    if (app.draining) return sendError(reply, 503, 'server is shutting down');
    const origin = request.headers.origin;
    if (!isOriginAllowed(origin, config.corsOrigins)) return sendError(reply, 403, `origin ${JSON.stringify(origin)} is not allowed`);
    // Per address only: a Pusher connection has no verified user when it opens.
    const refused = gate.admit({ ip: request.ip, user: undefined, closes: request.raw.socket, log: request.log });
    if (refused !== undefined) return sendError(reply, refused.statusCode, refused.message);
    return undefined;
  };
  app.route({
    method: 'GET',
    url: '/app/:key',
    onRequest: guard,
    handler: async (_request, reply) => sendError(reply.header('upgrade', 'websocket'), 426, 'Pusher WebSocket endpoint: /app/{key}?protocol=7'),
    wsHandler: open,
  });
}

export const pusherPlugin = fp(pusherTransport, { name: 'herald-pusher', fastify: '5.x', dependencies: ['herald-chat-gateway'] });
