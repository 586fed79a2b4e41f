import { isId } from '@herald/protocol';
import type { Redis } from 'ioredis';
import { JOURNAL_MAXLEN, type Journal, type JournalEntry } from './journal.js';
import { BusUnavailableError, describeError } from './redis-errors.js';
import type { RedisKeys } from './redis-keys.js';
import { LuaScript } from './redis-scripts.js';
import type { RawEntry } from './redis-entries.js';

/** KEYS: lease. ARGV: owner, ttlMs. 1 when the owner holds the lease after this. */
const LEAD = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** KEYS: cursor, journal. The cursor, set to the journal's newest id ('0-0' if empty) the first time. */
const CURSOR = new LuaScript(`
local cursor = redis.call('GET', KEYS[1])
if cursor then return cursor end
local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
cursor = '0-0'
if top[1] then cursor = top[1][1] end
redis.call('SET', KEYS[1], cursor)
return cursor
`);

/**
 * KEYS: lease, cursor. ARGV: owner, id. Only the lease holder moves the cursor, and
 * only forward: a consumer that lost its lease mid-send cannot undo its successor's work.
 */
const COMMIT = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local cursor = redis.call('GET', KEYS[2])
if cursor then
  local cms, cseq = parse(cursor)
  local ims, iseq = parse(ARGV[2])
  if ims < cms or (ims == cms and iseq <= cseq) then return 1 end
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: lease. ARGV: owner. */
const RESIGN = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);

function toEntry([id, fields]: RawEntry): JournalEntry | undefined {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const room = f.r;
  if (room === undefined || !isId(id)) return undefined;
  switch (f.k) {
    case 'occupied':
    case 'vacated':
      return { id, kind: f.k, room };
    case 'user-joined':
    case 'user-left':
      return f.u === undefined ? undefined : { id, kind: f.k, room, userId: f.u };
    case 'note':
      return f.d === undefined ? undefined : { id, kind: 'note', room, data: f.d };
    default:
      return undefined;
  }
}

/**
 * The journal on Redis: the `journal` stream, which the presence scripts append
 * occupancy transitions to (redis-scripts.ts), capped at about JOURNAL_MAXLEN
 * entries; a lease (SET PX) and a cursor per consumer name.
 */
export class RedisJournal implements Journal {
  constructor(
    private readonly command: () => Redis,
    private readonly keys: RedisKeys,
  ) {}

  async append(room: string, data: string): Promise<string> {
    const id = await this.#run('journal append', (r) =>
      r.xadd(this.keys.journal, 'MAXLEN', '~', JOURNAL_MAXLEN, '*', 'r', room, 'k', 'note', 'd', data),
    );
    if (typeof id !== 'string') throw new Error('XADD returned no id');
    return id;
  }

  async read(after: string, count: number): Promise<JournalEntry[]> {
    if (!isId(after)) throw new TypeError(`not a journal id: ${after}`);
    if (count < 1) return [];
    const raw = (await this.#run('journal read', (r) => r.xrange(this.keys.journal, `(${after}`, '+', 'COUNT', count))) as RawEntry[];
    const entries: JournalEntry[] = [];
    for (const item of raw) {
      const entry = toEntry(item);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async lead(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#run('journal lease', (r) => LEAD.run(r, [this.keys.journalLease(name)], [owner, ttlMs]))) === 1;
  }

  async cursor(name: string): Promise<string> {
    const cursor = await this.#run('journal cursor', (r) => CURSOR.run(r, [this.keys.journalCursor(name), this.keys.journal], []));
    if (typeof cursor !== 'string' || !isId(cursor)) throw new Error(`journal cursor ${name} is not an id: ${String(cursor)}`);
    return cursor;
  }

  async commit(name: string, owner: string, id: string): Promise<boolean> {
    if (!isId(id)) throw new TypeError(`not a journal id: ${id}`);
    const keys = [this.keys.journalLease(name), this.keys.journalCursor(name)];
    return (await this.#run('journal commit', (r) => COMMIT.run(r, keys, [owner, id]))) === 1;
  }

  async resign(name: string, owner: string): Promise<void> {
    await this.#run('journal resign', (r) => RESIGN.run(r, [this.keys.journalLease(name)], [owner]));
  }

  async #run<T>(what: string, task: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = this.command();
    try {
      return await task(redis);
    } catch (err) {
      throw new BusUnavailableError(`redis ${what} failed: ${describeError(err)}`, { cause: err });
    }
  }
}
