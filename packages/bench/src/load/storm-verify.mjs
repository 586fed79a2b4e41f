// The storm's one correctness claim: every acknowledged message id of a room reached
// every client of that room exactly once, across the reconnect.
import { sleep } from './common.mjs';

/** Tallies what `clients` got against `acked` ({ room: [id, ...] }). */
export function tally(clients, acked) {
  const out = { clients: clients.length, expected: 0, received: 0, missing: 0, duplicates: 0, unacked: 0, clientsMissing: 0, firstMissing: null };
  const ackedSets = new Map();
  for (const client of clients) {
    const ids = acked[client.room] ?? [];
    let set = ackedSets.get(client.room);
    if (!set) ackedSets.set(client.room, (set = new Set(ids)));
    const seen = new Map();
    for (const id of client.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    out.expected += ids.length;
    let missing = 0;
    for (const id of ids) {
      const n = seen.get(id) ?? 0;
      if (n === 0) {
        missing++;
        out.firstMissing ??= { client: client.index, room: client.room, id, lastId: client.lastId ?? null };
      } else {
        out.received++;
        out.duplicates += n - 1;
      }
    }
    // Ids nobody acknowledged (a publish whose reply was lost): reported, not a loss.
    for (const id of seen.keys()) if (!set.has(id)) out.unacked++;
    out.missing += missing;
    if (missing > 0) out.clientsMissing++;
  }
  return out;
}

/** Waits until nothing is missing, or nothing more arrived for `stallMs`; returns the last tally. */
export async function settle(clients, acked, stallMs) {
  let last = tally(clients, acked);
  let lastMoved = Date.now();
  while (last.missing > 0 && Date.now() - lastMoved < stallMs) {
    await sleep(200);
    const now = tally(clients, acked);
    if (now.received !== last.received) lastMoved = Date.now();
    last = now;
  }
  return last;
}
