import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '@herald/server-kit';

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}

// Hashing first gives timingSafeEqual two equal-length buffers whatever the
// caller sent, so neither the content nor the length of the token leaks.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Who may POST /publish. With PUBLISH_TOKEN: whoever sends `Authorization: Bearer
 * <token>`. Without it: only processes on this machine (loopback), so a bare
 * `pnpm start` cannot be written to from the network.
 */
export function publishAuth(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = token === undefined ? undefined : digest(token);
  return async (request) => {
    if (expected === undefined) {
      // The socket's address, not request.ip: a forwarded-for header must not make
      // a remote caller look local.
      if (!isLoopback(request.socket.remoteAddress)) {
        throw forbidden('publishing is limited to loopback callers; set PUBLISH_TOKEN to publish remotely');
      }
      return;
    }
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw unauthorized('Authorization: Bearer <PUBLISH_TOKEN> required');
    }
  };
}
