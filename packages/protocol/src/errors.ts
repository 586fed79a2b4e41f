/**
 * Every error a client can receive. One home for codes, so both servers and the
 * browser client agree on them.
 */
export const ErrorCodes = {
  bad_request: 'bad_request',
  not_joined: 'not_joined',
  rate_limited: 'rate_limited',
  too_large: 'too_large',
  unauthorized: 'unauthorized',
  /** A join (or a publish, or a read) outside the token's rights. */
  forbidden: 'forbidden',
  /** A `refresh` carried a token that had already expired; the connection keeps its old one. */
  token_expired: 'token_expired',
  /**
   * The instance cannot take this request now (it holds MAX_TOPICS topics): this
   * request only is refused, the connection stays; try again later or elsewhere.
   */
  unavailable: 'unavailable',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** WebSocket close codes of the gateway's own (4000-4999 are the application's). */
export const CloseCodes = {
  /** The token reached its `exp` without a `refresh`: come back with a new token and `since`. */
  token_expired: 4401,
} as const;
