import { BusUnavailableError } from '@herald/bus';
import { decodeClientMessage, type ClientMessage, type ErrorCode } from '@herald/protocol';
import type { RawData } from 'ws';
import type { Connection } from './connection.js';
import { ErrorText, errorFrame } from './errors.js';
import { ackFrame, refreshedFrame } from './frames.js';
import { toBuffer, type HandlerContext } from './handler-context.js';

function refuse(ctx: HandlerContext, conn: Connection, code: ErrorCode, message: string, ref?: string): void {
  ctx.metrics.dropped.inc();
  conn.reply(errorFrame(code, message, ref));
}

function refOf(message: ClientMessage): string | undefined {
  return 'ref' in message ? message.ref : undefined;
}

async function dispatch(ctx: HandlerContext, conn: Connection, message: ClientMessage): Promise<void> {
  switch (message.type) {
    case 'join':
      if (!conn.access.canJoin(message.room)) {
        refuse(ctx, conn, 'forbidden', ErrorText.forbiddenRoom(message.room), message.ref);
        return;
      }
      return ctx.hub.join(conn, message.room, message.since, message.ref);
    case 'refresh':
      return refresh(ctx, conn, message.token);
    case 'history':
      return ctx.hub.history(conn, message);
    case 'leave':
      return ctx.hub.leave(conn, message.room);
    case 'send': {
      if (!conn.rooms.has(message.room)) {
        refuse(ctx, conn, 'not_joined', ErrorText.notJoined(message.room), message.ref);
        return;
      }
      let event;
      try {
        event = await ctx.hub.publish(conn, message.room, message.text);
      } catch (err) {
        // Redis away, or REDIS_WAIT_REPLICAS not confirmed in time: this send is not
        // acknowledged and the client retries it; the connection itself is fine.
        if (!(err instanceof BusUnavailableError)) throw err;
        refuse(ctx, conn, 'unavailable', ErrorText.notAcknowledged, message.ref);
        return;
      }
      // No ref, no ack: the sender recognises its message by the id in `message`.
      if (message.ref !== undefined) conn.sendText(ackFrame(message.ref, event.id));
      return;
    }
  }
}

/**
 * A new token for the same user: moves the expiry, replaces the rights, and leaves
 * (with reason `forbidden`) the rooms the new token no longer allows. A refused
 * refresh changes nothing: the old token still runs until its own `exp`.
 */
async function refresh(ctx: HandlerContext, conn: Connection, token: string): Promise<void> {
  if (ctx.auth === undefined) return refuse(ctx, conn, 'bad_request', ErrorText.authOff);
  const result = await ctx.auth.grant(token);
  if (!result.ok) return refuse(ctx, conn, result.expired === true ? 'token_expired' : 'unauthorized', result.message);
  if (result.grant.user.id !== conn.user.id) return refuse(ctx, conn, 'forbidden', ErrorText.otherUser);
  conn.access = result.grant.access;
  conn.expireAt(result.grant.exp);
  for (const room of [...conn.rooms]) {
    if (!conn.access.canJoin(room)) await ctx.hub.leave(conn, room, 'forbidden');
  }
  conn.sendText(refreshedFrame(result.grant.exp!));
}

/**
 * One frame from a `/ws` client. Refusals (binary, too large, bad JSON or fields,
 * rate limited) answer an `error` frame at once and leave the connection open;
 * valid messages run in order on the connection's queue.
 */
export function handleJsonFrame(ctx: HandlerContext, conn: Connection, data: RawData, isBinary: boolean): void {
  ctx.metrics.messagesIn.inc();
  if (isBinary) return refuse(ctx, conn, 'bad_request', ErrorText.binary);
  const bytes = toBuffer(data);
  if (bytes.length > ctx.maxMessageBytes) return refuse(ctx, conn, 'too_large', ErrorText.tooLarge(ctx.maxMessageBytes));
  const decoded = decodeClientMessage(bytes.toString('utf8'));
  if (conn.limiter !== undefined && !conn.limiter.take()) {
    const ref = decoded.ok ? refOf(decoded.message) : decoded.error.ref;
    return refuse(ctx, conn, 'rate_limited', ErrorText.rateLimited, ref);
  }
  if (!decoded.ok) {
    const { code, message, ref } = decoded.error;
    return refuse(ctx, conn, code, message, ref);
  }
  const message = decoded.message;
  // Refused here, not on the queue: a join (or history) storm must cost no bus work at all.
  // Both read history, so both spend from the one join bucket.
  if ((message.type === 'join' || message.type === 'history') && conn.joinLimiter !== undefined && !conn.joinLimiter.take()) {
    ctx.metrics.limitRefusals.inc({ limit: message.type === 'join' ? 'joins' : 'history' });
    return refuse(ctx, conn, 'rate_limited', ErrorText.joinRateLimited, message.ref);
  }
  conn.schedule(() => dispatch(ctx, conn, message));
}
