import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { JOURNAL_MAXLEN } from './journal.js';

/**
 * A Lua script run by EVALSHA, falling back to EVAL when Redis does not know it
 * (first use, or after a restart flushed the script cache).
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

// Redis's own clock, in ms: every instance agrees on it, whatever its local clock says.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Entries kept in the new-topics stream: readers are at its tip, this is slack. */
export const NEW_TOPICS_MAXLEN = 10_000;

/**
 * KEYS: last-id, topic stream, new-topics stream. ARGV: maxlen, ts, data, ttlMs,
 * topic, floor ('' or the publishing instance's high-water mark), [event].
 * One id sequence for every topic: ms = max(now, last.ms), seq = last.seq + 1 within
 * the same ms, else 0, where last is at least the floor: after a failover to a replica
 * that lacks the newest writes, no id the instance has seen is issued again. Because the script is atomic, ids are globally ordered and an
 * event with a higher id is never visible before one with a lower id, in any stream.
 * Trimming is XDEL of the oldest entries, not XADD MAXLEN: Redis 7 records XDEL (but
 * not MAXLEN trimming) in the stream's max-deleted-entry-id, which is what history()
 * needs to say whether an id is still covered. It is also exact (`MAXLEN ~` never
 * trims a stream smaller than one 100-entry node) and as cheap: usually one entry,
 * marked deleted in the head node.
 * The stream expires ttlMs after its last publish (readers refresh it while they
 * have subscribers). The event that creates a stream is also announced on
 * new-topics with the same id, so a reader that held the topic back (it did not
 * exist) learns of it in id order and reads it from before its first event.
 */
export const PUBLISH = new LuaScript(`${NOW}
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local last = redis.call('GET', KEYS[1])
if not last then
  -- last-id was lost (e.g. evicted): never go below what the streams already hold.
  for _, key in ipairs({KEYS[2], KEYS[3]}) do
    local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
    if top[1] then
      local tms, tseq = parse(top[1][1])
      if not last then
        last = top[1][1]
      else
        local lms, lseq = parse(last)
        if tms > lms or (tms == lms and tseq > lseq) then last = top[1][1] end
      end
    end
  end
end
if ARGV[6] ~= '' then
  if not last then
    last = ARGV[6]
  else
    local lms, lseq = parse(last)
    local fms, fseq = parse(ARGV[6])
    if fms > lms or (fms == lms and fseq > lseq) then last = ARGV[6] end
  end
end
local ms, seq = now, 0
if last then
  local lms, lseq = parse(last)
  if lms >= now then ms = lms; seq = lseq + 1 end
end
local id = string.format('%.0f-%.0f', ms, seq)
local created = redis.call('EXISTS', KEYS[2]) == 0
redis.call('SET', KEYS[1], id)
if ARGV[7] then
  redis.call('XADD', KEYS[2], id, 'd', ARGV[3], 'ts', ARGV[2], 'e', ARGV[7])
else
  redis.call('XADD', KEYS[2], id, 'd', ARGV[3], 'ts', ARGV[2])
end
local excess = redis.call('XLEN', KEYS[2]) - tonumber(ARGV[1])
if excess > 0 then
  for _, old in ipairs(redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess)) do
    redis.call('XDEL', KEYS[2], old[1])
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if created then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ${NEW_TOPICS_MAXLEN}, id, 't', ARGV[5])
end
return id
`);

/**
 * KEYS: instances. ARGV: instanceId, ttlMs.
 * Returns 1 when the instance was not registered (first beat, or it was reaped as a
 * ghost, or Redis lost its data): the caller then re-registers its members.
 */
export const HEARTBEAT = new LuaScript(`${NOW}
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
`);

/**
 * Occupancy of counted rooms (see journal.ts), kept beside the room hash as
 * `occupancy:<room>` = {c: connections, "u:<user id>": connections of that user}. An
 * entry is counted when it was joined with an occupancy (its `o`: "c" connections,
 * "u" users too); its leave, whichever script removes it, counts it down, so the
 * counts change in the same atomic step as the entries and each 0→1 / 1→0 is XADDed
 * to the journal exactly once. A count that is missing (lost with Redis's data) is
 * never taken below zero: no vacated without an occupied.
 */
const OCCUPANCY = `
local function journal(key, room, kind, user)
  if user then
    redis.call('XADD', key, 'MAXLEN', '~', ${JOURNAL_MAXLEN}, '*', 'r', room, 'k', kind, 'u', user)
  else
    redis.call('XADD', key, 'MAXLEN', '~', ${JOURNAL_MAXLEN}, '*', 'r', room, 'k', kind)
  end
end
local function count_join(occ, jkey, room, user, mode)
  if redis.call('HINCRBY', occ, 'c', 1) == 1 then journal(jkey, room, 'occupied') end
  if mode == 'u' and redis.call('HINCRBY', occ, 'u:' .. user, 1) == 1 then journal(jkey, room, 'user-joined', user) end
end
local function count_leave(occ, jkey, room, e)
  if e.o ~= 'c' and e.o ~= 'u' then return end
  if e.o == 'u' and type(e.u) == 'table' and type(e.u.id) == 'string' then
    local f = 'u:' .. e.u.id
    local n = tonumber(redis.call('HGET', occ, f))
    if n ~= nil and n <= 1 then
      redis.call('HDEL', occ, f)
      journal(jkey, room, 'user-left', e.u.id)
    elseif n ~= nil then
      redis.call('HINCRBY', occ, f, -1)
    end
  end
  local c = tonumber(redis.call('HGET', occ, 'c'))
  if c ~= nil and c <= 1 then
    redis.call('DEL', occ)
    journal(jkey, room, 'vacated')
  elseif c ~= nil then
    redis.call('HINCRBY', occ, 'c', -1)
  end
end
`;

/**
 * KEYS: room hash, instance-rooms set, presence-seq, occupancy hash, journal. ARGV:
 * connectionId, user JSON, instanceId, channel, room, change JSON, occupancy ("c",
 * "u" or "" for not counted), user id.
 * Announces the join only when the entry is new, so re-registering is idempotent.
 */
export const JOIN = new LuaScript(`${OCCUPANCY}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[3])
local o = ''
if ARGV[7] == 'c' or ARGV[7] == 'u' then o = ',"o":"' .. ARGV[7] .. '"' end
redis.call('HSET', KEYS[1], ARGV[1], '{"n":' .. n .. ',"i":' .. cjson.encode(ARGV[3]) .. ',"u":' .. ARGV[2] .. o .. '}')
redis.call('SADD', KEYS[2], ARGV[5])
if o ~= '' then count_join(KEYS[4], KEYS[5], ARGV[5], ARGV[8], ARGV[7]) end
redis.call('PUBLISH', ARGV[4], ARGV[6])
return 1
`);

/**
 * KEYS: room hash, instance-rooms set, occupancy hash, journal. ARGV: connectionId,
 * channel, room, "1" when the instance has no member left in the room.
 */
export const LEAVE = new LuaScript(`${OCCUPANCY}
local v = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[4] == '1' then redis.call('SREM', KEYS[2], ARGV[3]) end
if not v then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local ok, e = pcall(cjson.decode, v)
if ok and type(e) == 'table' and e.u ~= nil then
  count_leave(KEYS[3], KEYS[4], ARGV[3], e)
  redis.call('PUBLISH', ARGV[2], cjson.encode({room = ARGV[3], event = 'leave', user = e.u, connectionId = ARGV[1]}))
end
return 1
`);

/**
 * KEYS: room hash, instances. Entries whose instance's heartbeat is past due are
 * left out: they belong to a dead instance not yet reaped. Every decode of stored
 * presence data is guarded (pcall): one entry Redis' cjson cannot read (a lone
 * surrogate in a name once made every later join of its room fail, and the sweep
 * after a kill -9 fail for ever) is skipped, not fatal.
 */
export const MEMBERS = new LuaScript(`${NOW}
local all = redis.call('HGETALL', KEYS[1])
local out = {}
local alive = {}
for i = 1, #all, 2 do
  -- Stored data that cannot be decoded is skipped, never fatal (see DECODE).
  local decoded, e = pcall(cjson.decode, all[i + 1])
  local ok = false
  if decoded and type(e) == 'table' and type(e.i) == 'string' then
    ok = alive[e.i]
    if ok == nil then
      local deadline = redis.call('ZSCORE', KEYS[2], e.i)
      ok = deadline ~= false and tonumber(deadline) > now
      alive[e.i] = ok
    end
  end
  if ok then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
`);

/**
 * KEYS: instances. ARGV: presence key prefix, instance-rooms key prefix, channel
 * prefix, instanceId to reap ('' = every instance whose heartbeat is past due),
 * occupancy key prefix, journal key.
 * Removes the instances' members and publishes a leave for each (counted down in
 * their rooms' occupancy, so a kill -9 ends in vacated / user-left once). Atomic, so any
 * number of instances may sweep at once: the first does the work, the others find
 * nothing. Returns the number of members removed.
 */
export const REAP = new LuaScript(`${NOW}${OCCUPANCY}
local dead
if ARGV[4] ~= '' then dead = {ARGV[4]} else dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now) end
local removed = 0
for _, id in ipairs(dead) do
  local roomsKey = ARGV[2] .. id
  for _, room in ipairs(redis.call('SMEMBERS', roomsKey)) do
    local key = ARGV[1] .. room
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      local decoded, e = pcall(cjson.decode, all[i + 1])
      if decoded and type(e) == 'table' and e.i == id then
        redis.call('HDEL', key, all[i])
        count_leave(ARGV[5] .. room, ARGV[6], room, e)
        redis.call('PUBLISH', ARGV[3] .. room, cjson.encode({room = room, event = 'leave', user = e.u, connectionId = all[i]}))
        removed = removed + 1
      end
    end
  end
  redis.call('DEL', roomsKey)
  redis.call('ZREM', KEYS[1], id)
end
return removed
`);

/**
 * KEYS: instances, then room hashes. Returns the 1-based positions (among the room
 * hashes) of rooms holding at least one entry of a live instance: a dead instance's
 * entries, not yet reaped, do not make a room occupied (as in MEMBERS).
 */
export const LIVE_ROOMS = new LuaScript(`${NOW}
local alive = {}
local out = {}
for k = 2, #KEYS do
  for _, v in ipairs(redis.call('HVALS', KEYS[k])) do
    local decoded, e = pcall(cjson.decode, v)
    if decoded and type(e) == 'table' and type(e.i) == 'string' then
      local ok = alive[e.i]
      if ok == nil then
        local deadline = redis.call('ZSCORE', KEYS[1], e.i)
        ok = deadline ~= false and tonumber(deadline) > now
        alive[e.i] = ok
      end
      if ok then
        out[#out + 1] = k - 1
        break
      end
    end
  end
end
return out
`);
