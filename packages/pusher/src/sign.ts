import { createHmac, timingSafeEqual } from 'node:crypto';

/** Pusher's one signature primitive: HMAC-SHA256 of UTF-8 text, lower-case hex. */
export function hmacHex(secret: string, text: string | Uint8Array): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** Compares a signature that came over the wire with the expected one in constant time. */
export function signatureMatches(expectedHex: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'latin1'), Buffer.from(given, 'latin1'));
}
