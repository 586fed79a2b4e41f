import { randomUUID } from 'node:crypto';
import { sendError, tokenOfRequest, type ConnectionGate } from '@herald/server-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayAuth } from './auth.js';
import type { GatewayConfig } from './config.js';
import { identityFromName, type Grant, type IdentityResult } from './identity.js';
import { isOriginAllowed } from './origin.js';
import { LOBBY } from './room-hub.js';
import { askToHoldHandshake } from './ws-internals.js';

export interface ChatIdentity {
  connectionId: string;
  grant: Grant;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the upgrade guard on every WebSocket request it lets through. */
    chatIdentity: ChatIdentity | null;
  }
}

async function tokenIdentity(auth: GatewayAuth, config: GatewayConfig, request: FastifyRequest): Promise<IdentityResult> {
  const lookup = tokenOfRequest({ url: request.url, headers: request.headers }, config.auth.cookie);
  if (!lookup.ok) return { ok: false, status: 401, message: lookup.message };
  if (lookup.token === undefined) {
    return { ok: false, status: 401, message: 'missing token: connect with ?token=<JWT> (or Authorization: Bearer)' };
  }
  return auth.grant(lookup.token);
}

/**
 * onRequest hook of the WebSocket routes: refuses with an HTTP status before the
 * upgrade, so a refused client never gets a socket (503 draining, 403 origin,
 * 400 bad name, 401 token, 403 a seed-mode client whose token may not join the
 * lobby: it could not read an error frame, 429 a connection cap), and otherwise
 * records who is connecting. A callback hook, not an async one: with auth off the
 * whole upgrade then runs in the parser's own call, with no promise or microtask
 * per connection (a refusal answers and does not call `done`).
 */
export function upgradeGuard(
  app: FastifyInstance,
  config: GatewayConfig,
  auth: GatewayAuth | undefined,
  gate: ConnectionGate,
  seedMode: boolean,
) {
  // request.ip costs a getpeername per connection; only a cap (or its refusal log) reads it.
  const { perIp, perUser } = config.connectionLimits;
  const capped = perIp > 0 || (auth !== undefined && perUser > 0);

  function admit(request: FastifyRequest, reply: FastifyReply, result: IdentityResult, connectionId: string): boolean {
    if (!result.ok) {
      sendError(reply, result.status, result.message);
      return false;
    }
    if (seedMode && !result.grant.access.canJoin(LOBBY)) {
      sendError(reply, 403, `this token may not join room "${LOBBY}", the only room of seed mode`);
      return false;
    }
    // Per user only a token's subject (raw `/` clients too, or `/` would bypass the
    // cap): with auth off the id is a claimed ?name=, and counting it would let anyone
    // lock that name out. The slot is held by the TCP socket, whose close every end
    // of the upgrade comes to, whether or not the socket ever opened.
    const refused = gate.admit({
      ip: capped ? request.ip : undefined,
      user: auth === undefined ? undefined : result.grant.user.id,
      closes: request.raw.socket,
      log: request.log,
    });
    if (refused !== undefined) {
      sendError(reply, refused.statusCode, refused.message);
      return false;
    }
    request.chatIdentity = { connectionId, grant: result.grant };
    // The wsHandler of these routes releases it (gateway.ts).
    askToHoldHandshake(request.raw);
    return true;
  }

  return function guard(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    if (!request.ws) return done();
    if (app.draining) return void sendError(reply, 503, 'server is shutting down');
    const origin = request.headers.origin;
    if (!isOriginAllowed(origin, config.corsOrigins)) {
      return void sendError(reply, 403, `origin ${JSON.stringify(origin)} is not allowed`);
    }
    const connectionId = randomUUID();
    if (auth === undefined) {
      const result = identityFromName((request.query as Record<string, unknown>).name, connectionId);
      if (admit(request, reply, result, connectionId)) done();
      return;
    }
    tokenIdentity(auth, config, request)
      .then((result) => admit(request, reply, result, connectionId))
      .then(
        (admitted) => {
          if (admitted) done();
        },
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
  };
}
