/**
 * Message ids: `<ms>-<seq>`, the shape of a Redis Stream entry id, assigned by the
 * bus from one sequence for the whole bus (not per topic). That makes one id a
 * position across every topic: "everything after 1732560000000-3" is meaningful for
 * a stream of several topics, which is what SSE's single Last-Event-ID needs.
 * Ids only grow, also across a restart of the bus, because the ms part is a clock.
 */
export interface ParsedId {
  readonly ms: number;
  readonly seq: number;
}

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})$/;

export function parseId(id: string): ParsedId | undefined {
  const m = ID_PATTERN.exec(id);
  if (!m) return undefined;
  const ms = Number(m[1]);
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) return undefined;
  return { ms, seq };
}

export function isId(id: unknown): id is string {
  return typeof id === 'string' && parseId(id) !== undefined;
}

export function formatId(ms: number, seq: number): string {
  return `${ms}-${seq}`;
}

/** Negative when a < b, 0 when equal, positive when a > b. Both must be valid ids. */
export function compareIds(a: string, b: string): number {
  const pa = parseId(a);
  const pb = parseId(b);
  if (!pa || !pb) throw new TypeError(`not a message id: ${pa ? b : a}`);
  return pa.ms - pb.ms || pa.seq - pb.seq;
}

/** The id that sorts before every id a bus can assign. */
export const ZERO_ID = '0-0';
