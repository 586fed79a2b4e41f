/** setTimeout's longest delay (about 24.8 days); a later time re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `end` at `at` (ms since the epoch), or at once when that has passed: a
 * token's `exp` for a WebSocket or an SSE stream. The timer is unref'd. Returns
 * the cancel.
 */
export function atExpiry(at: number, end: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = at - Date.now();
    if (left <= 0) return end();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
