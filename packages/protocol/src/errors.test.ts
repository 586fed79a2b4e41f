import { describe, expect, it } from 'vitest';
import { CloseCodes, ErrorCodes } from './errors.js';

describe('error codes', () => {
  it('knows the access-control codes', () => {
    expect(Object.keys(ErrorCodes)).toEqual(['bad_request', 'not_joined', 'rate_limited', 'too_large', 'unauthorized', 'forbidden', 'token_expired', 'unavailable']);
  });

  it('closes an expired connection with an application code', () => {
    expect(CloseCodes.token_expired).toBe(4401);
  });
});
