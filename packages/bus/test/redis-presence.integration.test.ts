import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { PresenceChange } from '../src/bus.js';
import { RedisBus } from '../src/redis-bus.js';
import { deleteKeys, REDIS_TEST_URL, redisAvailable, uniquePrefix, waitUntil } from '@herald/testkit';

const up = await redisAvailable();
const runPrefix = uniquePrefix('presence');
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const opened: RedisBus[] = [];
const children: ChildProcess[] = [];
const tmpDirs: string[] = [];

async function openBus(keyPrefix: string, presenceTtlMs = 10_000): Promise<RedisBus> {
  const bus = new RedisBus({ url: REDIS_TEST_URL, historySize: 10, keyPrefix, presenceTtlMs });
  opened.push(bus);
  if (!(await bus.waitUntilReady(10_000))) throw new Error('RedisBus did not become ready');
  return bus;
}

/**
 * Another instance in its own process: joins a member, says so, then idles until it
 * is killed with SIGKILL (no cleanup, no leave: a ghost).
 */
async function spawnGhost(
  keyPrefix: string,
  ttlMs: number,
  joinCode = `await bus.presence.join('ghost-room', 'g1', { id: 'u-ghost', name: 'ghost' });`,
): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-ghost-'));
  tmpDirs.push(dir);
  const file = join(dir, 'ghost.mts');
  writeFileSync(
    file,
    `import { RedisBus } from ${JSON.stringify(join(here, '../src/redis-bus.ts'))};
const bus = new RedisBus({ url: ${JSON.stringify(REDIS_TEST_URL)}, historySize: 10,
  keyPrefix: ${JSON.stringify(keyPrefix)}, presenceTtlMs: ${ttlMs} });
if (!(await bus.waitUntilReady(10000))) process.exit(2);
${joinCode}
process.stdout.write('joined\\n');
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitUntil(() => out.includes('joined') || child.exitCode !== null, { timeoutMs: 30_000, message: 'the ghost to join' });
  if (!out.includes('joined')) throw new Error(`ghost process exited with ${child.exitCode}`);
  return child;
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(opened.map((b) => b.close()));
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  if (up) await deleteKeys(runPrefix);
});

describe.skipIf(!up)('RedisPresence across instances', () => {
  it('every instance sees every join and leave, and the full member list', async () => {
    const prefix = `${runPrefix}shared:`;
    const [a, b] = await Promise.all([openBus(prefix), openBus(prefix)]);
    const seenA: PresenceChange[] = [];
    const seenB: PresenceChange[] = [];
    const subs = [a.presence.subscribe('room', (c) => seenA.push(c)), b.presence.subscribe('room', (c) => seenB.push(c))];
    await Promise.all(subs.map((s) => s.ready));

    await a.presence.join('room', 'a1', { id: 'u1', name: 'alice' });
    await b.presence.join('room', 'b1', { id: 'u2', name: 'bob' });
    await a.presence.join('room', 'a2', { id: 'u3', name: 'carol' });
    const expected = ['a1', 'b1', 'a2'];
    expect((await a.presence.members('room')).map((m) => m.connectionId)).toEqual(expected);
    expect((await b.presence.members('room')).map((m) => m.connectionId)).toEqual(expected);

    await b.presence.leave('room', 'b1');
    await waitUntil(() => seenA.length >= 4 && seenB.length >= 4, { timeoutMs: 10_000, message: 'four changes on both' });
    const summary = (changes: PresenceChange[]) => changes.map((c) => `${c.event}:${c.connectionId}:${c.user.name}`);
    expect(summary(seenA)).toEqual(['join:a1:alice', 'join:b1:bob', 'join:a2:carol', 'leave:b1:bob']);
    expect(summary(seenB)).toEqual(summary(seenA));
    expect((await a.presence.members('room')).map((m) => m.connectionId)).toEqual(['a1', 'a2']);
    for (const s of subs) s.unsubscribe();
  });

  it('a closed instance takes its members with it, announcing each leave', async () => {
    const prefix = `${runPrefix}close:`;
    const [a, b] = await Promise.all([openBus(prefix), openBus(prefix)]);
    const seen: PresenceChange[] = [];
    const sub = a.presence.subscribe('room', (c) => seen.push(c));
    await sub.ready;
    await b.presence.join('room', 'b1', { id: 'u2', name: 'bob' });
    await b.close();
    await waitUntil(() => seen.some((c) => c.event === 'leave'), { timeoutMs: 10_000, message: 'the leave' });
    expect(seen.map((c) => `${c.event}:${c.connectionId}`)).toEqual(['join:b1', 'leave:b1']);
    expect(await a.presence.members('room')).toEqual([]);
    sub.unsubscribe();
  });

  it('a killed instance (kill -9) disappears within the TTL, with a leave event', async () => {
    const prefix = `${runPrefix}ghost:`;
    const ttlMs = 1000;
    const a = await openBus(prefix, ttlMs);
    const seen: PresenceChange[] = [];
    const sub = a.presence.subscribe('ghost-room', (c) => seen.push(c));
    await sub.ready;
    const ghost = await spawnGhost(prefix, ttlMs);
    expect((await a.presence.members('ghost-room')).map((m) => m.user.name)).toEqual(['ghost']);
    expect(await a.presence.rooms('ghost-')).toEqual(['ghost-room']);

    ghost.kill('SIGKILL');
    // Generous bound: the sweep runs every ttl/3, but this machine is shared.
    await waitUntil(() => seen.some((c) => c.event === 'leave'), { timeoutMs: 15_000, message: 'the ghost to be swept' });
    expect(seen.map((c) => `${c.event}:${c.connectionId}:${c.user.name}`)).toEqual(['join:g1:ghost', 'leave:g1:ghost']);
    expect(await a.presence.members('ghost-room')).toEqual([]);
    expect(await a.presence.rooms('ghost-')).toEqual([]);
    sub.unsubscribe();
  }, 60_000);

  it('kill -9: the sweep counts the dead members out once, however many instances sweep', async () => {
    const prefix = `${runPrefix}ghost-journal:`;
    const ttlMs = 1000;
    const [a, b] = await Promise.all([openBus(prefix, ttlMs), openBus(prefix, ttlMs)]);
    const from = await a.journal.cursor('test');
    const ghost = await spawnGhost(
      prefix,
      ttlMs,
      `await bus.presence.join('counted', 'g1', { id: 'u-ghost', name: 'ghost' }, { occupancy: 'users' });`,
    );
    await b.presence.join('counted', 'b1', { id: 'u-b', name: 'b' }, { occupancy: 'users' });
    ghost.kill('SIGKILL');
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_TEST_URL);
    try {
      // Once the dead instance is out of the instance set no sweep can find its members again.
      await waitUntil(async () => (await raw.zcard(`${prefix}instances`)) === 2, { timeoutMs: 15_000, message: 'the ghost reaped' });
    } finally {
      raw.disconnect();
    }
    const record = (e: { kind: string; userId?: string }) => `${e.kind}${e.userId ? `:${e.userId}` : ''}`;
    expect((await a.journal.read(from, 100)).map(record)).toEqual(['occupied', 'user-joined:u-ghost', 'user-joined:u-b', 'user-left:u-ghost']);
    await b.presence.leave('counted', 'b1');
    expect((await a.journal.read(from, 100)).map(record).slice(4)).toEqual(['user-left:u-b', 'vacated']);
  }, 60_000);

  it('the same connection joined again (re-registering) is counted once', async () => {
    const prefix = `${runPrefix}rejoin-journal:`;
    const a = await openBus(prefix);
    const from = await a.journal.cursor('test');
    await a.presence.join('again', 'a1', { id: 'u1', name: 'u1' }, { occupancy: 'users' });
    // Re-registering (after a Redis restart or being taken for dead) is idempotent while the entry is there.
    await a.presence.join('again', 'a1', { id: 'u1', name: 'u1' }, { occupancy: 'users' });
    await a.presence.leave('again', 'a1');
    const kinds = (await a.journal.read(from, 100)).map((e) => e.kind);
    expect(kinds).toEqual(['occupied', 'user-joined', 'user-left', 'vacated']);
  });

  it('ignores malformed presence messages on its channel', async () => {
    const prefix = `${runPrefix}junk:`;
    const a = await openBus(prefix);
    const seen: PresenceChange[] = [];
    const sub = a.presence.subscribe('room', (c) => seen.push(c));
    await sub.ready;
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_TEST_URL);
    try {
      await raw.publish(`${prefix}presence-events:room`, 'not json');
      await raw.publish(`${prefix}presence-events:room`, JSON.stringify({ room: 'room', event: 'explode' }));
    } finally {
      raw.disconnect();
    }
    await a.presence.join('room', 'a1', { id: 'u1', name: 'alice' });
    await waitUntil(() => seen.length >= 1, { timeoutMs: 10_000, message: 'the real join' });
    expect(seen.map((c) => c.connectionId)).toEqual(['a1']);
    sub.unsubscribe();
  });

  it('skips stored presence data Redis cannot decode: joins, members, leaves and the sweep go on', async () => {
    const prefix = `${runPrefix}undecodable:`;
    const a = await openBus(prefix, 1000);
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_TEST_URL);
    try {
      // A lone surrogate escape: valid JSON to V8, an error to Redis' cjson.
      await raw.hset(`${prefix}presence:room`, 'bad1', '{"n":1,"i":"gone","u":{"id":"x","name":"x\\ud800"}}');
      await raw.hset(`${prefix}presence:room`, 'bad2', 'not json at all');
      await a.presence.join('room', 'a1', { id: 'u1', name: 'alice' });
      expect((await a.presence.members('room')).map((m) => m.connectionId)).toEqual(['a1']);
      await a.presence.leave('room', 'bad1');
      await a.presence.leave('room', 'a1');
      expect(await a.presence.members('room')).toEqual([]);
      expect(await raw.hexists(`${prefix}presence:room`, 'bad1')).toBe(0);
    } finally {
      raw.disconnect();
    }
  });

  it('rooms() leaves out rooms whose only entries belong to an instance with no live heartbeat, or cannot be read', async () => {
    const prefix = `${runPrefix}rooms-dead:`;
    const a = await openBus(prefix);
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_TEST_URL);
    try {
      // As a dead instance leaves them before the sweep: entries of an instance whose deadline is gone.
      await raw.hset(`${prefix}presence:r.dead`, 'd1', '{"n":1,"i":"no-such-instance","u":{"id":"x","name":"x"}}');
      await raw.hset(`${prefix}presence:r.junk`, 'j1', 'not json at all');
      await raw.hset(`${prefix}presence:r.mixed`, 'd1', '{"n":1,"i":"no-such-instance","u":{"id":"x","name":"x"}}');
      await a.presence.join('r.mixed', 'a1', { id: 'u1', name: 'alice' });
      await a.presence.join('r.live', 'a1', { id: 'u1', name: 'alice' });
      expect((await a.presence.rooms('r.')).sort()).toEqual(['r.live', 'r.mixed']);
    } finally {
      raw.disconnect();
    }
  });
});
