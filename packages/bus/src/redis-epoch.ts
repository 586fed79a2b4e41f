import { compareIds, isId } from '@herald/protocol';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';
import { LuaScript } from './redis-scripts.js';

/**
 * The highest id this instance has issued or received from Redis: publish acks, events
 * its stream reader delivered, newestId() answers. Never an id a client sent: a client
 * could send 999999999999999-0 and stop the id clock for everyone.
 *
 * Replication is asynchronous, so after a failover the promoted replica may lack the
 * newest writes. Two uses keep that from going silently wrong (docs/redis-ha.md):
 * every publish passes the mark as a floor (its id is above it, so no id this
 * instance has seen is issued again for another message), and every (re)connect
 * compares it with the server's last-id (below it: data was lost, a new epoch starts).
 */
export class HighWaterMark {
  #id: string | undefined;

  get(): string | undefined {
    return this.#id;
  }

  /** Takes in an id Redis answered; anything else is ignored. */
  see(id: unknown): void {
    if (!isId(id)) return;
    if (this.#id === undefined || compareIds(id, this.#id) > 0) this.#id = id;
  }
}

/** Where the bus's data set stands: `n` counts losses seen (1 = none yet). */
export interface Epoch {
  readonly n: number;
  /** The first id of this epoch: a resume from before it cannot be proven exact. */
  readonly since: string | undefined;
  /** Redis ms when this epoch began (undefined for epoch 1). */
  readonly at: number | undefined;
}

export const FIRST_EPOCH: Epoch = { n: 1, since: undefined, at: undefined };

export interface EpochCheck {
  readonly epoch: Epoch;
  /** True when this check found data lost and started `epoch`. */
  readonly bumped: boolean;
  /** The server's last-id before the check (undefined: missing). */
  readonly serverLast: string | undefined;
}

// The same clock and id rule as the PUBLISH script (redis-scripts.ts).
const ID_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function above(a, b)
  local ams, aseq = parse(a)
  local bms, bseq = parse(b)
  return ams > bms or (ams == bms and aseq > bseq)
end
`;

/**
 * KEYS: last-id, epoch hash, new-topics stream. ARGV: the instance's mark ('' for
 * none), the epoch it last saw.
 * Data was lost when last-id is missing or below the mark, or the epoch is older than
 * one this instance saw (the epoch hash was lost too). Then: a new epoch whose `since`
 * is above the mark, last-id and the newest topic announcement (every id the instance
 * or the data set knows), and last-id moves up to it, so every later id is above it.
 * Otherwise nothing is written: a restart that kept everything (AOF) or a failover to
 * a replica that had it all changes nothing.
 * Returns {bumped 0/1, n, since or '', at or '', last-id before or ''}.
 */
export const EPOCH_CHECK = new LuaScript(`${ID_LUA}
local last = redis.call('GET', KEYS[1])
local mark = ARGV[1]
local e = redis.call('HMGET', KEYS[2], 'n', 'since', 'at')
local n = tonumber(e[1]) or 1
local known = tonumber(ARGV[2]) or 1
local lost = n < known
if mark ~= '' and (not last or above(mark, last)) then lost = true end
if not lost then return {0, n, e[2] or '', e[3] or '', last or ''} end
local top = mark
if last and (top == '' or above(last, top)) then top = last end
local announced = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
if announced[1] and (top == '' or above(announced[1][1], top)) then top = announced[1][1] end
local since = string.format('%.0f-0', now)
if top ~= '' then
  local tms, tseq = parse(top)
  if tms >= now then since = string.format('%.0f-%.0f', tms, tseq + 1) end
end
local next = math.max(n, known) + 1
redis.call('HSET', KEYS[2], 'n', next, 'since', since, 'at', now)
redis.call('SET', KEYS[1], since)
return {1, next, since, now, last or ''}
`);

function text(value: unknown): string | undefined {
  const s = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  return s === '' ? undefined : s;
}

/**
 * Runs the check with EVAL (not EVALSHA with a NOSCRIPT retry): sent first on a fresh
 * connection, it must reach Redis before any publish queued after it.
 */
export async function checkEpoch(command: Redis, keys: RedisKeys, mark: string | undefined, known: number): Promise<EpochCheck> {
  const reply = (await command.eval(EPOCH_CHECK.source, 3, keys.lastId, keys.epoch, keys.newTopics, mark ?? '', known)) as unknown[];
  const since = text(reply[2]);
  const at = text(reply[3]);
  return {
    bumped: Number(reply[0]) === 1,
    epoch: { n: Number(reply[1]) || 1, since: since !== undefined && isId(since) ? since : undefined, at: at === undefined ? undefined : Number(at) },
    serverLast: text(reply[4]),
  };
}

/**
 * Whether a resume after `after` can be exact, given the epoch and last-id read in the
 * same transaction as the range: not when `after` is older than the epoch (the events
 * lost at its start are unknown) nor when it is above last-id (the client saw
 * something this data set no longer has).
 */
export function epochCovers(after: string, since: string | undefined, last: string | undefined): boolean {
  if (since !== undefined && isId(since) && compareIds(after, since) < 0) return false;
  return last !== undefined && isId(last) ? compareIds(after, last) <= 0 : compareIds(after, '0-0') <= 0;
}
