import { randomUUID } from 'node:crypto';
import type { User } from '@herald/protocol';
import { sendError } from '@herald/server-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from './config.js';
import { identityFromClaims, identityFromName, tokenOf, type IdentityResult } from './identity.js';
import { isOriginAllowed } from './origin.js';

export interface ChatIdentity {
  connectionId: string;
  user: User;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the upgrade guard on every WebSocket request it lets through. */
    chatIdentity: ChatIdentity | null;
  }
}

function tokenIdentity(app: FastifyInstance, token: unknown): IdentityResult {
  if (typeof token !== 'string' || token === '') {
    return { ok: false, status: 401, message: 'missing token: connect with ?token=<JWT>' };
  }
  try {
    return identityFromClaims(app.jwt.verify(token));
  } catch (err) {
    const expired = (err as { code?: unknown }).code === 'FAST_JWT_EXPIRED';
    return { ok: false, status: 401, message: expired ? 'token expired' : 'invalid token' };
  }
}

/**
 * onRequest hook of the WebSocket routes: refuses with an HTTP status before the
 * upgrade, so a refused client never gets a socket (503 draining, 403 origin,
 * 400 bad name, 401 token), and otherwise records who is connecting.
 */
export function upgradeGuard(app: FastifyInstance, config: GatewayConfig) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (!request.ws) return undefined;
    if (app.draining) {
      return sendError(reply, 503, 'server is shutting down');
    }
    const origin = request.headers.origin;
    if (!isOriginAllowed(origin, config.corsOrigins)) {
      return sendError(reply, 403, `origin ${JSON.stringify(origin)} is not allowed`);
    }
    const connectionId = randomUUID();
    const query = request.query as Record<string, unknown>;
    const result =
      config.authSecret === undefined
        ? identityFromName(query.name, connectionId)
        : tokenIdentity(app, tokenOf(query, request.headers.authorization));
    if (!result.ok) {
      return sendError(reply, result.status, result.message);
    }
    request.chatIdentity = { connectionId, user: result.user };
    return undefined;
  };
}
