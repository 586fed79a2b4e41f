/**
 * WebSocket origin check. Browsers always send `Origin` on a WebSocket handshake
 * and do not apply CORS to it, so this is the only guard against a foreign page
 * opening a socket with the user's name (cross-site WebSocket hijacking).
 * Clients that send no Origin are not browsers and are let through.
 */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined || origin === undefined) return true;
  return allowed.includes(origin);
}
