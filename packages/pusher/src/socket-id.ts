import { randomInt } from 'node:crypto';

/**
 * Socket ids as Pusher makes them: two decimal integers joined by a dot. The pusher
 * server SDK refuses anything else (`/^\d+\.\d+$/`, lib/pusher.js validateSocketId),
 * and the id is signed into channel auth, so it must be unguessable: 2 x 47 random bits.
 */
export const SOCKET_ID_PATTERN = /^\d{1,20}\.\d{1,20}$/;

const MAX = 2 ** 47;

export function newSocketId(): string {
  return `${randomInt(1, MAX)}.${randomInt(1, MAX)}`;
}

export function isSocketId(value: unknown): value is string {
  return typeof value === 'string' && SOCKET_ID_PATTERN.test(value);
}
