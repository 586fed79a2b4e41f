import { verifyApiRequest, type PusherApp, type PusherApps } from '@herald/pusher';
import { sendError } from '@herald/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Pusher app of an HTTP API request whose signature checked out. */
    pusherApp?: PusherApp;
  }
}

/**
 * A preHandler: the request's app by `:appId`, and Pusher's request signing
 * (@herald/pusher verifyApiRequest) over the raw query and the raw body bytes.
 * Any failure is a 401 with Pusher's reason. It runs after the body is read
 * (body_md5 is over it), which MAX_MESSAGE_BYTES bounds.
 */
export function apiAuth(apps: PusherApps, now: () => number = Date.now) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const { appId } = request.params as { appId: string };
    const app = apps.byId(appId);
    if (!app) return sendError(reply, 401, `Unknown app id ${JSON.stringify(appId)}`);
    const q = request.url.indexOf('?');
    const checked = verifyApiRequest(
      app,
      {
        method: request.method,
        path: q < 0 ? request.url : request.url.slice(0, q),
        query: q < 0 ? '' : request.url.slice(q + 1),
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
      },
      now(),
    );
    if (!checked.ok) return sendError(reply, 401, checked.message);
    request.pusherApp = app;
    return undefined;
  };
}
