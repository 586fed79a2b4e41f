// Soak test: both services on loopback under churning clients for SOAK_SECONDS (default
// 600), sampling every SOAK_SAMPLE_SECONDS (default 10) each server's RSS, open fds and
// herald_connections. Fails (exit 1) when, after the churn stops, RSS has grown more than
// SOAK_RSS_GROWTH_MIB (default 50) over the post-warm-up figure, fds are not back within
// SOAK_FD_SLACK (default 10) of the idle baseline, a connection is still counted, a
// server died, a publish got a 5xx, or the long-lived clients stopped receiving.
// In-memory bus unless REDIS_URL is set. Writes bench-results/soak-<ts>.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, spawnNode, stopChild, tailOf, waitFor } from './children.mjs';
import { readRssBytes } from './proc-stats.mjs';
import { newStats, sleep, startSteady, startTraffic } from './soak-clients.mjs';
import { REPO_ROOT } from './targets.mjs';

function envNumber(name, fallback, min, max) {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`soak: ${name} must be a number from ${min} to ${max}, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const SECONDS = envNumber('SOAK_SECONDS', 600, 30, 86_400);
const SAMPLE_SECONDS = envNumber('SOAK_SAMPLE_SECONDS', 10, 1, 600);
const RSS_GROWTH_MIB = envNumber('SOAK_RSS_GROWTH_MIB', 50, 1, 10_000);
const FD_SLACK = envNumber('SOAK_FD_SLACK', 10, 0, 10_000);
const WS_CLIENTS = envNumber('SOAK_WS_CLIENTS', 40, 1, 5000);
const SSE_CLIENTS = envNumber('SOAK_SSE_CLIENTS', 20, 1, 5000);
const PUBLISH_RATE = envNumber('SOAK_PUBLISH_RATE', 20, 1, 1000);
const MAX_CONNECTIONS = envNumber('SOAK_MAX_CONNECTIONS', 500_000, 100, 1e9);
// Warm-up (JIT, pools, room histories filling) and cool-down (churn stopped, clients gone).
const WARMUP_SECONDS = Math.min(60, Math.max(10, SECONDS * 0.15));
const COOLDOWN_SECONDS = Math.min(60, Math.max(20, SECONDS * 0.1));
const MiB = 1024 * 1024;
const REDIS_URL = process.env.REDIS_URL;
const REDIS_PREFIX = `herald-soak:${Date.now().toString(36)}:`;

async function spawnApp(app) {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' };
  if (REDIS_URL) Object.assign(env, { REDIS_URL, REDIS_PREFIX });
  const child = spawnNode(null, path.join(REPO_ROOT, 'apps', app, 'dist', 'main.js'), [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [tailOf(child.stdout), tailOf(child.stderr)];
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`${app} exited: ${output.map((o) => o()).join('\n')}`);
    return (await status(`${base}/readyz`)) === 200;
  }, `${app} to be ready`, 30_000, 100);
  return { app, child, pid: child.pid, base, ws: base.replace('http', 'ws'), output: () => output.map((o) => o()).join('\n') };
}

function status(url) {
  return new Promise((resolve) => {
    http.get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', () => resolve(0)).on('timeout', function () { this.destroy(); });
  });
}

function metricsText(base) {
  return new Promise((resolve) => {
    http.get(`${base}/metrics`, { agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(text));
    }).on('error', () => resolve('')).on('timeout', function () { this.destroy(); });
  });
}

async function readServer(server) {
  const text = await metricsText(server.base);
  const line = text.split('\n').find((l) => l.startsWith('herald_connections'));
  return {
    rssMiB: readRssBytes(server.pid) / MiB,
    fds: readdirSync(`/proc/${server.pid}/fd`).length,
    connections: line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1)),
  };
}

const fmt = (n, digits = 1) => (n === null || n === undefined ? 'n/a' : n.toFixed(digits));
const header = ['t(s)', 'phase', 'gw RSS', 'gw fds', 'gw conn', 'es RSS', 'es fds', 'es conn', 'ws opened', 'sse opened', 'acked', 'events'];

function printRow(sample) {
  const { gateway: g, stream: e, stats: s } = sample;
  const cells = [String(sample.t), sample.phase, fmt(g.rssMiB), String(g.fds), String(g.connections), fmt(e.rssMiB), String(e.fds),
    String(e.connections), String(s.wsOpened), String(s.sseOpened), String(s.acked), String(s.events)];
  console.log(cells.map((c, i) => c.padStart(Math.max(header[i].length, 7))).join('  '));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  console.log(`soak: ${SECONDS} s (warm-up ${WARMUP_SECONDS} s, cool-down ${COOLDOWN_SECONDS} s), ${WS_CLIENTS} WebSocket + ${SSE_CLIENTS} SSE churning clients, ${PUBLISH_RATE} publishes/s, bus: ${REDIS_URL ? `Redis (${REDIS_PREFIX})` : 'memory'}`);
  const [gateway, stream] = await Promise.all([spawnApp('chat-gateway'), spawnApp('event-stream')]);
  const servers = { gateway, stream };
  const idle = { gateway: await readServer(gateway), stream: await readServer(stream) };
  const stats = newStats();
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  const steady = await startSteady(gateway.ws, stream.base);
  const traffic = startTraffic({ gateway: gateway.ws, stream: stream.base, wsClients: WS_CLIENTS, sseClients: SSE_CLIENTS, publishRate: PUBLISH_RATE, stats, maxConnections: MAX_CONNECTIONS });
  const samples = [];
  const problems = [];
  let lastSteady = { ws: -1, sse: -1 };
  let stalls = 0;
  let baseline;

  console.log(header.map((h) => h.padStart(7)).join('  '));
  const churnUntil = SECONDS - COOLDOWN_SECONDS;
  let phase = 'warm-up';
  while (elapsed() < churnUntil && !traffic.exhausted()) {
    await sleep(SAMPLE_SECONDS * 1000);
    for (const s of Object.values(servers)) if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`${s.app} died:\n${s.output()}`);
    const sample = { t: elapsed(), phase, gateway: await readServer(gateway), stream: await readServer(stream), stats: { ...stats } };
    samples.push(sample);
    printRow(sample);
    if (phase === 'warm-up' && sample.t >= WARMUP_SECONDS) {
      phase = 'churn';
      baseline = { gateway: sample.gateway.rssMiB, stream: sample.stream.rssMiB, t: sample.t };
    }
    // The long-lived clients must keep receiving while everything else churns.
    const moved = steady.counts.ws > lastSteady.ws && steady.counts.sse > lastSteady.sse;
    stalls = moved ? 0 : stalls + 1;
    if (stalls >= 3) problems.push(`t=${sample.t}s: the long-lived clients received nothing for ${stalls} samples`);
    lastSteady = { ...steady.counts };
  }
  baseline ??= { gateway: samples.at(-1).gateway.rssMiB, stream: samples.at(-1).stream.rssMiB, t: samples.at(-1).t };

  steady.stop();
  await traffic.stop();
  // Cool-down: every client gone; the servers must let go of what the churn held.
  const cooldownEnd = Date.now() + COOLDOWN_SECONDS * 1000;
  const finals = [];
  while (Date.now() < cooldownEnd || finals.length < 3) {
    await sleep(SAMPLE_SECONDS * 1000);
    const sample = { t: elapsed(), phase: 'cool-down', gateway: await readServer(gateway), stream: await readServer(stream), stats: { ...stats } };
    samples.push(sample);
    finals.push(sample);
    printRow(sample);
  }

  const last = finals.slice(-3);
  const result = {};
  for (const name of ['gateway', 'stream']) {
    const rss = median(last.map((s) => s[name].rssMiB));
    const fds = last.at(-1)[name].fds;
    const connections = last.at(-1)[name].connections;
    result[name] = { idleFds: idle[name].fds, finalFds: fds, rssAfterWarmupMiB: baseline[name], rssFinalMiB: rss, rssGrowthMiB: rss - baseline[name], connections };
    if (rss - baseline[name] > RSS_GROWTH_MIB) problems.push(`${name}: RSS grew ${fmt(rss - baseline[name])} MiB after warm-up (bound ${RSS_GROWTH_MIB} MiB)`);
    if (fds > idle[name].fds + FD_SLACK) problems.push(`${name}: ${fds} fds after the churn, ${idle[name].fds} when idle (slack ${FD_SLACK})`);
    if (connections !== 0) problems.push(`${name}: herald_connections is ${connections} with no clients`);
  }
  if (stats.publish5xx > 0) problems.push(`${stats.publish5xx} publishes answered 5xx`);
  await Promise.all(Object.values(servers).map((s) => stopChild(s.child)));

  const report = {
    kind: 'soak',
    startedAt: new Date(started).toISOString(),
    options: { SECONDS, SAMPLE_SECONDS, RSS_GROWTH_MIB, FD_SLACK, WS_CLIENTS, SSE_CLIENTS, PUBLISH_RATE, MAX_CONNECTIONS, WARMUP_SECONDS, COOLDOWN_SECONDS, bus: REDIS_URL ? 'redis' : 'memory' },
    node: process.version,
    stats,
    result,
    samples,
    problems,
    passed: problems.length === 0,
  };
  const dir = path.join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `soak-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  console.log(`\ntraffic: ${stats.wsOpened} WebSocket connections (${stats.wsDropped} dropped without a close, ${stats.resumes} joins with since), ${stats.sseOpened} SSE streams (${stats.sseResumes} with Last-Event-ID), ${stats.acked} chat messages acked, ${stats.received} delivered to churning members, ${stats.published} published, ${stats.events} SSE events read, ${stats.errors} client-side errors`);
  for (const [name, r] of Object.entries(result)) {
    console.log(`${name}: RSS ${fmt(r.rssAfterWarmupMiB)} MiB after warm-up → ${fmt(r.rssFinalMiB)} MiB at the end (${r.rssGrowthMiB >= 0 ? '+' : ''}${fmt(r.rssGrowthMiB)}, bound +${RSS_GROWTH_MIB}); fds ${r.idleFds} idle → ${r.finalFds} after; connections ${r.connections}`);
  }
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  if (problems.length > 0) {
    console.error(`\nsoak FAILED:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log('\nsoak passed');
}

main().catch((error) => {
  console.error(`soak: ${error.stack ?? error.message}`);
  process.exit(1);
});
