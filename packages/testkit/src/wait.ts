export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a predicate's value is once it counts as done. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export interface WaitOptions {
  /** A safety net for a hung test, never an assertion on speed. */
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the timeout's message. */
  message?: string;
}

/**
 * Polls `predicate` until it returns something truthy, and resolves with it. A
 * predicate that throws stops the wait with its error (the awaited thing can no
 * longer happen). Tests wait for conditions, never for fixed times: the machine is
 * shared and may be slow.
 */
export async function waitUntil<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 20, message = 'a condition' }: WaitOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(intervalMs);
  }
}
