import type { Acked, Received } from './ha-traffic.js';

/** Acked ids a reader never got, and ids it got more than once. */
export function deliveryGaps(acked: readonly Acked[], received: readonly Received[]): { missing: string[]; repeated: string[] } {
  const counts = new Map<string, number>();
  for (const r of received) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  return {
    missing: acked.filter((a) => !counts.has(a.id)).map((a) => a.id),
    repeated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
  };
}

/**
 * Ids that stand for two different messages anywhere in the run: acked for one
 * payload and delivered with another, or delivered with two. A reissued id after a
 * failover shows up here.
 */
export function sharedIds(...lists: ReadonlyArray<readonly Received[]>): string[] {
  const payloadOf = new Map<string, string>();
  const shared = new Set<string>();
  for (const list of lists) {
    for (const { id, payload } of list) {
      const known = payloadOf.get(id);
      if (known === undefined) payloadOf.set(id, payload);
      else if (known !== payload) shared.add(id);
    }
  }
  return [...shared];
}

/** A count per key, for the printed summary. */
export function tally<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/**
 * Events a live reader got that nobody had acked (refused publishes, stored on the
 * master all the same) and that a reader resuming later no longer finds: gone with
 * the old master.
 */
export function unackedGone(live: readonly Received[], acked: readonly Acked[], resumed: readonly Received[]): string[] {
  const known = new Set([...acked.map((a) => a.id), ...resumed.map((r) => r.id)]);
  return live.filter((r) => !known.has(r.id)).map((r) => r.id);
}
