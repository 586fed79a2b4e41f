import type { ErrorCode, ErrorMessage } from '@herald/protocol';

/**
 * The one home of every refusal the gateway makes on an open socket: `error`
 * frames and the close codes it uses. HTTP refusals (before an upgrade too) use
 * server-kit's one shape, `{"error":{"code","message"}}` (http-errors.ts).
 */

/** `{"type":"error","code","message","ref"?}` as sent on the socket. */
export function errorFrame(code: ErrorCode, message: string, ref?: string): string {
  const error: ErrorMessage = { type: 'error', code, message };
  if (ref !== undefined) error.ref = ref;
  return JSON.stringify(error);
}

export const ErrorText = {
  binary: 'binary frames are not accepted; send JSON text',
  tooLarge: (limit: number) => `frame is larger than MAX_MESSAGE_BYTES (${limit} bytes)`,
  rateLimited: 'too many messages; slow down',
  joinRateLimited: 'too many joins and history requests; slow down (JOIN_RATE_LIMIT per second after JOIN_BURST)',
  topicLimit: (max: number) => `this server holds its ${max} rooms (MAX_TOPICS); try again later`,
  notAcknowledged: 'the message bus did not acknowledge this message (Redis unreachable or replicas not confirmed); retry',
  notJoined: (room: string) => `join room "${room}" before sending to it`,
  notJoinedHistory: (room: string) => `join room "${room}" before reading its history`,
  tooManyRooms: (max: number) => `a connection may be in at most ${max} rooms`,
  forbiddenRoom: (room: string) => `this token may not join room "${room}"`,
  authOff: 'refresh needs auth on (AUTH_SECRET or AUTH_PUBLIC_KEY); this server has none',
  otherUser: 'a refresh token must be for the same user ("sub") as the connection',
} as const;

/** WebSocket close codes (RFC 6455 section 7.4.1 and the IANA registry). */
export const CloseCode = {
  /** Server shutting down (drain). */
  goingAway: 1001,
  /** A raw client kept sending refused frames. */
  policyViolation: 1008,
  /** Frame above the hard cap; `ws` sends this itself when maxPayload is passed. */
  messageTooBig: 1009,
  /** The bus failed under a join (a send answers `unavailable`); the client reconnects and resumes. */
  internalError: 1011,
  /** Slow consumer: unsent bytes passed MAX_BUFFERED_BYTES. */
  tryAgainLater: 1013,
} as const;
