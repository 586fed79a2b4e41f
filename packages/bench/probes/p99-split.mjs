// Probe (not part of `pnpm bench`): p99 at RATE msg/s with N subscribers split over K load
// processes, and with STAMP=1 the server's own publish->write time (write-stamps.mjs
// preloaded into the server), to tell the server's share of p99 from the load's.
// KIND=herald|naive N=1000 K=1 RATE=50 DUR=5 STAMP=1 node probes/p99-split.mjs
import { spawn, fork } from 'node:child_process';
import fs from 'node:fs';
import WebSocket from 'ws';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const here = path.dirname(fileURLToPath(import.meta.url));
const stampFile = (pid) => path.join(os.tmpdir(), `write-stamps-${pid}.json`);
const kind = process.env.KIND ?? 'herald', N = Number(process.env.N ?? 1000), K = Number(process.env.K ?? 1);
const RATE = Number(process.env.RATE ?? 50), DUR = Number(process.env.DUR ?? 5), LOADCPU = process.env.LOADCPU ?? '1';
const port = 19500 + Math.floor(Math.random() * 400);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const script = kind === 'naive' ? path.join(here, '../src/servers/naive-ws.mjs') : (process.env.HERALD_CHAT_GATEWAY ?? path.join(here, '../../../apps/chat-gateway/dist/main.js'));
const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT: '0', MAX_BUFFERED_BYTES: String(64 << 20) };
const server = spawn('taskset', ['-c', '0', 'node', ...(process.env.STAMP ? ['--import', path.join(here, 'write-stamps.mjs')] : []), script], { env, stdio: ['pipe', 'ignore', 'inherit'] });
function cpuNs(pid) { let t = 0; for (const task of fs.readdirSync(`/proc/${pid}/task`)) { try { t += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]); } catch { /* the thread ended */ } } return t; }
await sleep(3000);
const subs = [];
for (let k = 0; k < K; k++) {
  const c = fork(path.join(here, 'p99-split-sub.mjs'), [kind, String(port), String(k * Math.ceil(N / K)), String(Math.min(Math.ceil(N / K), N - k * Math.ceil(N / K)))], { execArgv: process.env.SUBPROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.SUBPROF] : [] });
  spawn('taskset', ['-pc', LOADCPU, String(c.pid)], { stdio: 'ignore' });
  subs.push(c);
  await new Promise((r) => c.once('message', r));
}
const url = kind === 'herald' ? `ws://127.0.0.1:${port}/ws?name=pub` : `ws://127.0.0.1:${port}/`;
const pub = new WebSocket(url, { perMessageDeflate: false });
await new Promise((r) => pub.once(kind === 'herald' ? 'message' : 'open', r));
if (kind === 'herald') { pub.send(JSON.stringify({ type: 'join', room: 'bench' })); await sleep(500); }
await sleep(1000);
for (const c of subs) c.send({ reset: true });
await sleep(200);
const pid = Number(fs.readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(' ')[0]) || server.pid;
if (process.env.STAMP) server.kill('SIGUSR1');
const c0 = cpuNs(pid);
const total = RATE * DUR; const start = performance.now();
for (let i = 0; i < total; i++) {
  const wait = start + (i * 1000) / RATE - performance.now(); if (wait > 1) await sleep(wait);
  const s = `L@@${now().toFixed(3)}@@`;
  pub.send(kind === 'herald' ? JSON.stringify({ type: 'send', room: 'bench', text: s }) : s);
}
await sleep(1500);
const serverMs = (cpuNs(pid) - c0) / 1e6;
let srv = null;
if (process.env.STAMP) { server.kill("SIGUSR2"); for (let i = 0; i < 200 && !fs.existsSync(stampFile(server.pid)); i++) await sleep(100); srv = JSON.parse(fs.readFileSync(stampFile(server.pid), 'utf8')).sort((a, b) => a - b); }
const reports = await Promise.all(subs.map((c) => new Promise((r) => { c.once('message', r); c.send({ report: true }); })));
const lat = reports.flatMap((r) => r.lat).sort((a, b) => a - b);
const pct = (a, p) => a[Math.min(a.length - 1, Math.ceil(p / 100 * a.length) - 1)];
// Per message: first and last arrival over all processes.
const first = new Map(), last = new Map();
for (const r of reports) { for (const [s, t] of r.first) first.set(s, Math.min(first.get(s) ?? Infinity, t)); for (const [s, t] of r.last) last.set(s, Math.max(last.get(s) ?? 0, t)); }
const firstLat = [...first].map(([s, t]) => t - s).sort((a, b) => a - b), spread = [...last].map(([s, t]) => t - first.get(s)).sort((a, b) => a - b);
console.log(JSON.stringify({ kind, N, K, deliveries: lat.length, expected: N * total, p50: +pct(lat, 50).toFixed(2), p99: +pct(lat, 99).toFixed(2), firstP50: +pct(firstLat, 50).toFixed(2), firstP99: +pct(firstLat, 99).toFixed(2), spreadP50: +pct(spread, 50).toFixed(2), spreadP99: +pct(spread, 99).toFixed(2), ...(srv ? { srvWrites: srv.length, srvP50: +pct(srv, 50).toFixed(2), srvP99: +pct(srv, 99).toFixed(2) } : {}), serverMsPerMsg: +(serverMs / total).toFixed(3), loadCpuS: reports.map((r) => +((r.cpu.user + r.cpu.system) / 1e6).toFixed(2)) }));
pub.terminate(); server.stdin.end(); server.kill(); process.exit(0);
