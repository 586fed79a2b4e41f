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
} as const;

export type ErrorCode = keyof typeof ErrorCodes;
