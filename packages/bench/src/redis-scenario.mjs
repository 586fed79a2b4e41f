// The `redis` scenario: (1) publish→deliver p50/p99 at RATE msg/s through Redis against
// the in-memory bus, same server, same REDIS_N subscribers (multi-process fan-out, no
// burst); (2) the most acked publishes/s one Redis takes from two event-stream instances
// sharing it, publish load split over both at growing concurrency until a plateau.
// Keys live under a fresh REDIS_PREFIX, deleted afterwards (never FLUSHALL: it is shared).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, stopChild } from './children.mjs';
import { fanoutOnce } from './scale.mjs';
import { startServer } from './server.mjs';
import { TARGETS } from './targets.mjs';

const RAMP_LOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load/redis-publish-load.mjs');
const CONCURRENCIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

function hostPort(url) {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) };
}

/** Resolves with whether a Redis answers PING at `url` within 2 s. */
export function pingRedis(url) {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => done(chunk.toString('latin1').startsWith('+PONG')));
    socket.on('connect', () => socket.write('PING\r\n'));
  });
}

/**
 * The pid of the redis-server behind `url`, found by its command line in /proc
 * (`redis-server 127.0.0.1:6379`); the only redis-server running when none names the
 * port. Null when not found (Redis elsewhere, another user's /proc hidden).
 */
export function findRedisPid(url) {
  const { port } = hostPort(url);
  const servers = [];
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return { pid: null, how: 'no /proc' };
  }
  for (const pid of entries) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (/(^|\/)redis-server /.test(cmdline)) servers.push({ pid: Number(pid), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  const names = new RegExp(`(:|--port )${port}(\\s|$)`);
  const byPort = servers.find((s) => names.test(s.cmdline));
  if (byPort) return { pid: byPort.pid, how: `pid ${byPort.pid} (${byPort.cmdline.trim()})` };
  if (servers.length === 1) return { pid: servers[0].pid, how: `pid ${servers[0].pid}, the only redis-server running (${servers[0].cmdline.trim()})` };
  return { pid: null, how: `not found (${servers.length} redis-server processes, none naming port ${port})` };
}

/** Deletes what the run left under `prefix` (redis-cli; say so when it is missing). */
function deleteKeys(url, prefix) {
  const { host, port } = hostPort(url);
  const scan = spawnSync('redis-cli', ['-h', host, '-p', String(port), '--scan', '--pattern', `${prefix}*`], { encoding: 'utf8' });
  if (scan.status !== 0) return `keys under ${prefix} not deleted (redis-cli: ${scan.error?.message ?? scan.stderr.trim()})`;
  const keys = scan.stdout.split('\n').filter(Boolean);
  for (let i = 0; i < keys.length; i += 500) {
    spawnSync('redis-cli', ['-h', host, '-p', String(port), 'DEL', ...keys.slice(i, i + 500)], { stdio: 'ignore' });
  }
  return null;
}

function runRamp(servers, redisPid, options) {
  const config = {
    ports: servers.map((s) => s.port),
    serverPids: servers.map((s) => s.pid),
    redisPid,
    concurrencies: CONCURRENCIES,
    stepSeconds: options.redisStepSeconds,
  };
  return new Promise((resolve, reject) => {
    const child = spawnNode(null, RAMP_LOAD, [JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => {
      reject(new Error('publish ramp still running after its time'));
      void stopChild(child, 1000);
    }, 60_000 + CONCURRENCIES.length * options.redisStepSeconds * 2000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else reject(new Error(`publish ramp exited with ${code ?? signal}`));
    });
  });
}

/** Two event-stream instances on one Redis, the ramp, and the step with the most acked publishes/s. */
async function publishRamp(redisEnv, options) {
  const target = TARGETS['herald-sse'];
  const servers = [];
  try {
    // Unpinned: two servers, Redis and the load share the two cores, as they would a host.
    for (let i = 0; i < 2; i++) servers.push(await startServer(target, null, redisEnv));
    const redis = findRedisPid(options.redisUrl);
    const { steps, delivered } = await runRamp(servers, redis.pid, options);
    const best = steps.reduce((a, b) => (b.publishesPerSecond > a.publishesPerSecond ? b : a));
    return { metrics: { publishesPerSecond: best.publishesPerSecond, redisCpuPercent: best.redisCpuPercent ?? undefined }, details: { best, steps, delivered, redisProcess: redis.how } };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function attempt(results, key, side, log, work) {
  const began = Date.now();
  log(`redis ${key} ${side} ... `);
  try {
    results[key] ??= {};
    results[key][side] = await work();
    log(`done in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    results[key][side] = { error: error.message };
    log(`FAILED\n  ${error.message.replaceAll('\n', '\n  ')}\n`);
  }
}

export async function runRedis(options, machine, log) {
  const results = {};
  if (!(await pingRedis(options.redisUrl))) {
    const error = `no Redis answers PING at ${options.redisUrl} (set REDIS_URL)`;
    log(`redis: ${error}\n`);
    return { latency: { herald: { error }, baseline: { error } } };
  }
  const prefix = `herald-bench-${process.pid}-${Date.now()}:`;
  log(`redis: ${options.redisUrl}, REDIS_PREFIX=${prefix}, REDIS_N=${options.redisN} RATE=${options.rate} DURATION=${options.duration}s, ramp steps of ${options.redisStepSeconds}s\n`);
  const redisEnv = { REDIS_URL: options.redisUrl, REDIS_PREFIX: prefix };
  try {
    for (const transport of ['ws', 'sse']) {
      const target = TARGETS[`herald-${transport}`];
      const key = `${transport} latency`;
      await attempt(results, key, 'baseline', log, () => fanoutOnce(target, transport, options.redisN, options, machine, { burst: 0 }));
      await attempt(results, key, 'herald', log, () => fanoutOnce(target, transport, options.redisN, options, machine, { burst: 0, env: redisEnv }));
    }
    await attempt(results, 'publish ramp', 'herald', log, () => publishRamp(redisEnv, options));
  } finally {
    const problem = deleteKeys(options.redisUrl, prefix);
    if (problem) log(`redis: ${problem}\n`);
  }
  return results;
}
