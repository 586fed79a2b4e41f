import { decodeClientMessage, type ClientMessage, type ErrorCode } from '@herald/protocol';
import type { RawData } from 'ws';
import type { Connection } from './connection.js';
import { ErrorText, errorFrame } from './errors.js';
import { ackFrame } from './frames.js';
import { toBuffer, type HandlerContext } from './handler-context.js';

function refuse(ctx: HandlerContext, conn: Connection, code: ErrorCode, message: string, ref?: string): void {
  ctx.metrics.dropped.inc();
  conn.reply(errorFrame(code, message, ref));
}

async function dispatch(ctx: HandlerContext, conn: Connection, message: ClientMessage): Promise<void> {
  switch (message.type) {
    case 'join':
      return ctx.hub.join(conn, message.room, message.since);
    case 'leave':
      return ctx.hub.leave(conn, message.room);
    case 'send': {
      if (!conn.rooms.has(message.room)) {
        refuse(ctx, conn, 'not_joined', ErrorText.notJoined(message.room), message.ref);
        return;
      }
      const event = await ctx.hub.publish(conn, message.room, message.text);
      // No ref, no ack: the sender recognises its message by the id in `message`.
      if (message.ref !== undefined) conn.sendText(ackFrame(message.ref, event.id));
      return;
    }
  }
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
    const ref = decoded.ok ? (decoded.message.type === 'send' ? decoded.message.ref : undefined) : decoded.error.ref;
    return refuse(ctx, conn, 'rate_limited', ErrorText.rateLimited, ref);
  }
  if (!decoded.ok) {
    const { code, message, ref } = decoded.error;
    return refuse(ctx, conn, code, message, ref);
  }
  const message = decoded.message;
  conn.schedule(() => dispatch(ctx, conn, message));
}
