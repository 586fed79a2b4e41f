import type { RawData } from 'ws';
import type { Connection } from './connection.js';
import { CloseCode } from './errors.js';
import { toBuffer, type HandlerContext } from './handler-context.js';
import { LOBBY } from './room-hub.js';

/** Refused frames in a row after which a seed-mode client is closed with 1008. */
export const SEED_MAX_STRIKES = 10;

/**
 * One frame from a seed-compatible `/` client: its text is posted to `lobby`.
 * Seed-mode clients cannot read JSON errors, so a refused frame (binary, over
 * MAX_MESSAGE_BYTES, over RATE_LIMIT) is dropped and counted; SEED_MAX_STRIKES
 * refused frames in a row close the socket with 1008.
 */
export function handleSeedFrame(ctx: HandlerContext, conn: Connection, data: RawData, isBinary: boolean): void {
  ctx.metrics.messagesIn.inc();
  const bytes = isBinary ? undefined : toBuffer(data);
  const accepted =
    bytes !== undefined &&
    bytes.length <= ctx.maxMessageBytes &&
    (conn.limiter === undefined || conn.limiter.take());
  if (!accepted) {
    ctx.metrics.dropped.inc();
    conn.strikes += 1;
    if (conn.strikes >= SEED_MAX_STRIKES) conn.end(CloseCode.policyViolation, 'too many refused messages');
    return;
  }
  conn.strikes = 0;
  const text = bytes.toString('utf8');
  // The seed page sends whatever is in its input box, including nothing.
  if (text.length === 0) {
    ctx.metrics.dropped.inc();
    return;
  }
  conn.schedule(async () => {
    await ctx.hub.publish(conn, LOBBY, text);
  });
}
