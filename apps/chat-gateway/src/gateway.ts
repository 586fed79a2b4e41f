import type { Bus } from '@herald/bus';
import { sendError, type ConnectionGate, type Metrics } from '@herald/server-kit';
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import type { GatewayConfig } from './config.js';
import { Connection, type ConnectionHooks } from './connection.js';
import { ConnectionRegistry } from './connection-registry.js';
import { CloseCode } from './errors.js';
import { welcomeFrame } from './frames.js';
import type { HandlerContext } from './handler-context.js';
import { RoomHub } from './room-hub.js';
import { startLiveness } from './liveness.js';
import { Outbox } from './outbox.js';
import { handleJsonFrame } from './protocol-handler.js';
import { RateLimiter } from './rate-limiter.js';
import { handleSeedFrame } from './seed-handler.js';
import { attach, connectionOf, type SharedListeners } from './socket-listeners.js';
import { upgradeGuard } from './upgrade-guard.js';
import { holdHandshakes, releaseHandshake } from './ws-internals.js';
import { GatewayAuth } from './auth.js';

export interface GatewayPluginOptions {
  config: GatewayConfig;
  bus: Bus;
  metrics: Metrics;
  /** How long a drain waits for close handshakes before terminating sockets. */
  drainGraceMs: number;
  /** MAX_CONNECTIONS_PER_*: one for every WebSocket route of the app (Pusher's too). */
  gate: ConnectionGate;
}

/**
 * Frames between MAX_MESSAGE_BYTES and this cap are answered with `too_large` and
 * the connection stays; above it `ws` closes the connection with 1009.
 */
export function hardPayloadCap(maxMessageBytes: number): number {
  return maxMessageBytes * 2 + 1024;
}

async function gateway(app: FastifyInstance, options: GatewayPluginOptions): Promise<void> {
  const { config, bus, metrics, drainGraceMs, gate } = options;
  const hub = new RoomHub({
    bus,
    metrics,
    log: app.log,
    historyOnJoin: config.historyOnJoin,
    maxJoinHistoryBytes: config.maxJoinHistoryBytes,
    maxMessageBytes: config.maxMessageBytes,
  });
  // One verifier for the upgrades and every refresh.
  const auth = GatewayAuth.from(config.auth);
  const ctx: HandlerContext = { hub, metrics, maxMessageBytes: config.maxMessageBytes, auth };
  const connections = new ConnectionRegistry();
  const hooks: ConnectionHooks = {
    maxBufferedBytes: config.maxBufferedBytes,
    outbox: new Outbox(),
    onEnd: (conn) => hub.release(conn),
    onSlow: () => {
      metrics.slowConsumersClosed.inc();
      metrics.dropped.inc();
    },
    onTaskError: (conn, err) => {
      app.log.warn({ err, connectionId: conn.id }, 'bus operation failed, closing connection');
      conn.end(CloseCode.internalError, 'temporarily unavailable');
    },
  };

  // Errors after the upgrade: protocol violations (bad UTF-8, oversize frames) make
  // `ws` close with the right code, and a reset peer is closed. Anything else is our bug.
  function socketError(socket: WebSocket, err: unknown, log: FastifyBaseLogger): void {
    if (socket.readyState !== socket.OPEN) {
      log.debug({ err }, 'websocket error');
      return;
    }
    log.error({ err }, 'websocket handler failed');
    socket.close(CloseCode.internalError, 'internal error');
  }

  function onClose(this: WebSocket): void {
    const conn = connectionOf(this);
    conn.closed();
    if (connections.remove(conn)) metrics.connections.dec();
  }
  function onPong(this: WebSocket): void {
    connectionOf(this).alive = true;
  }
  function onError(this: WebSocket, err: Error): void {
    socketError(this, err, app.log);
  }
  const jsonListeners: SharedListeners = {
    pong: onPong,
    close: onClose,
    error: onError,
    message(data, isBinary) {
      handleJsonFrame(ctx, connectionOf(this), data, isBinary);
    },
  };
  const seedListeners: SharedListeners = {
    ...jsonListeners,
    message(data, isBinary) {
      handleSeedFrame(ctx, connectionOf(this), data, isBinary);
    },
  };

  function open(socket: WebSocket, request: FastifyRequest, seedMode: boolean): void {
    const identity = request.chatIdentity;
    if (identity === null) {
      socket.close(CloseCode.internalError, 'no identity');
      return;
    }
    const conn = new Connection({
      id: identity.connectionId,
      grant: identity.grant,
      socket,
      seedMode,
      limiter: config.rateLimit > 0 ? new RateLimiter(config.rateLimit) : undefined,
      joinLimiter: config.joinRateLimit > 0 ? new RateLimiter(config.joinRateLimit, undefined, config.joinBurst) : undefined,
      hooks,
    });
    connections.add(conn);
    metrics.connections.inc();
    attach(socket, conn, seedMode ? seedListeners : jsonListeners);
    if (seedMode) conn.schedule(() => hub.joinSeed(conn));
    else conn.greet(welcomeFrame(conn.id, conn.user, conn.exp));
  }

  async function drain(): Promise<void> {
    await connections.drain(drainGraceMs);
    await hub.settled();
  }

  await app.register(websocket, {
    options: { maxPayload: hardPayloadCap(config.maxMessageBytes), clientTracking: false, perMessageDeflate: false },
    preClose: drain,
    errorHandler(err, socket, request) {
      socketError(socket, err, request.log);
    },
  });

  holdHandshakes(app.websocketServer);

  // While closing, Fastify answers an upgrade with 503 itself, skipping the hook
  // that would end the socket; left half-open it would hold server.close() forever.
  app.server.on('upgrade', (_request, socket) => {
    if (app.draining) socket.end();
  });

  const liveness = startLiveness(connections, config.heartbeatMs);
  app.addHook('onClose', async () => {
    liveness.stop();
    hub.close();
  });

  app.decorateRequest('chatIdentity', null);
  const upgradeRequired = async (_request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply.header('upgrade', 'websocket'), 426, 'WebSocket endpoint: /ws (JSON protocol) or / (raw text, seed-compatible)');

  const routes = [
    { url: '/ws', seedMode: false },
    { url: '/', seedMode: true },
  ];
  for (const { url, seedMode } of routes) {
    app.route({
      method: 'GET',
      url,
      onRequest: upgradeGuard(app, config, auth, gate, seedMode),
      handler: upgradeRequired,
      wsHandler: (socket, request) => {
        try {
          open(socket, request, seedMode);
        } finally {
          releaseHandshake(request.raw);
        }
      },
    });
  }
}

export const gatewayPlugin = fp(gateway, { name: 'herald-chat-gateway', fastify: '5.x', dependencies: ['herald-ops'] });
