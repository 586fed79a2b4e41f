import type { ErrorCode } from '@herald/protocol';

/**
 * Every error the client library reports: the gateway's own codes, plus what can
 * only go wrong on this side of the socket.
 */
export type ClientErrorCode =
  | ErrorCode
  /** No reply (ack, joined, left) within ackTimeoutMs. */
  | 'timeout'
  /** The connection closed before the reply came; the request may or may not have run. */
  | 'closed'
  /** The client is not connected right now (send needs an open connection). */
  | 'not_connected'
  /** A newer request for the same thing replaced this one. */
  | 'superseded'
  /** The gateway sent something that is not a protocol message. */
  | 'protocol';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  readonly ref: string | undefined;

  constructor(code: ClientErrorCode, message: string, ref?: string) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.ref = ref;
  }
}
