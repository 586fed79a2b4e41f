import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from './token-source.js';

// Hashing first gives timingSafeEqual two equal-length buffers whatever the
// caller sent, so neither the content nor the length of the secret leaks.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * A check of `Authorization: Bearer <secret>` against one configured secret
 * (PUBLISH_TOKEN, METRICS_TOKEN), in constant time.
 */
export function bearerMatcher(secret: string): (authorization: string | undefined) => boolean {
  const expected = digest(secret);
  return (authorization) => {
    const given = bearerToken(authorization);
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}
