// `storm`: a deploy's reconnect storm. Two Herald instances (A and B) on one Redis;
// STORM_N clients on A (WebSockets joined to rooms, or SSE streams on topics) spread
// over several load processes, each from its own 127.0.0.x; a probe on B publishes
// acknowledged messages at STORM_RATE the whole time and holds B's existing clients.
// A gets SIGTERM and drains; every client comes back on B on the web client's backoff
// schedule, resuming (`since` / `Last-Event-ID`). The run fails unless every acked id
// of a room reached every client of that room exactly once.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { sleep, waitFor } from './children.mjs';
import { epochNow } from './load/storm-client.mjs';
import { cpuDelta, readCpu, readCpuBusy, readListenOverflows } from './proc-stats.mjs';
import { startServer } from './server.mjs';
import { sampleCpu, startStormLoad } from './storm-loads.mjs';
import { deleteKeys, localRedisPid, redisAnswers } from './storm-redis.mjs';
import { stormResult } from './storm-report.mjs';
import { TARGETS } from './targets.mjs';

export const STORM_REDIS_URL = process.env.STORM_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLIENTS_PER_PROCESS = 2000;
// Gateway A holds every storm client in one process, plus its own files and Redis.
const FD_HEADROOM = 1000;
const CPU_SAMPLE_MS = 250;
const DRAIN_GRACE_MS = 15_000;

/** The soft open-files limit children inherit (null when /proc does not say). */
function openFilesLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : null;
  } catch {
    return null;
  }
}

/** Refuses an N one server process cannot hold here, saying why; null when it fits. */
export function stormRefusal(options) {
  const limit = openFilesLimit();
  if (limit === null || options.stormN + FD_HEADROOM <= limit) return null;
  return `STORM_N=${options.stormN} needs about ${options.stormN + FD_HEADROOM} open files in server A (one process holds every storm client), ` +
    `but processes here may open ${limit}: use STORM_N <= ${limit - FD_HEADROOM}, or raise the limit (ulimit -n)`;
}

/**
 * What the whole machine did over the storm: busy time on CPU 0 not B's (other work:
 * this machine is shared), CPU 1 busy in all (A until it exited, the load, other work),
 * and how often a listener's accept queue was full (machine-wide counter).
 */
function machineDuring(before, bPid, wallMs) {
  const busy = readCpuBusy();
  const bMicros = cpuDelta(before.b, readCpu(bPid)).statMicros;
  const percent = (micros) => micros / 10 / wallMs;
  const overflows = readListenOverflows();
  return {
    otherOnServerCpuPercent: busy['0'] === undefined ? null : Math.max(0, percent(busy['0'] - before.busy['0'] - bMicros)),
    loadCpuBusyPercent: busy['1'] === undefined ? null : percent(busy['1'] - before.busy['1']),
    listenOverflows: overflows === null || before.overflows === null ? null : overflows - before.overflows,
  };
}

/** B's event-loop delay since the last scrape (prom-client resets it on each), ms; nulls when /metrics does not answer. */
function eventLoopLag(port) {
  return new Promise((resolve) => {
    const none = { p99Ms: null, maxMs: null };
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent: false, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part) => (text += part));
      res.on('end', () => {
        const ms = (name) => {
          const value = Number(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[2]);
          return Number.isFinite(value) ? value * 1000 : null;
        };
        resolve({ p99Ms: ms('nodejs_eventloop_lag_p99_seconds'), maxMs: ms('nodejs_eventloop_lag_max_seconds') });
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(none));
  });
}

function serverEnv(prefix) {
  return { REDIS_URL: STORM_REDIS_URL, REDIS_PREFIX: prefix, MAX_BUFFERED_BYTES: undefined };
}

export async function runStorm(transport, options, machine) {
  const { stormN: n, stormRooms: rooms, stormRate: rate, stormExisting: existing, quick } = options;
  const prefix = `herald-bench-storm:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:`;
  const target = TARGETS[transport === 'ws' ? 'herald-ws' : 'herald-sse'];
  // B alone on CPU 0, so its CPU and its clients' p99 are its own; A, the load and the probe on CPU 1.
  const [cpuB, cpuLoad] = machine.pinned ? [0, 1] : [null, null];
  const started = [];
  const loads = [];
  const probes = [];
  try {
    const a = await startServer(target, cpuLoad, serverEnv(prefix));
    started.push(a);
    const b = await startServer(target, cpuB, serverEnv(prefix));
    started.push(b);
    const processes = Math.max(2, Math.ceil(n / CLIENTS_PER_PROCESS));
    const share = Math.ceil(n / processes);
    const base = { transport, rooms, portA: a.port, portB: b.port, concurrency: options.concurrency, backoffMs: options.stormBackoffMs };
    for (let k = 0; k < processes; k++) {
      const first = k * share;
      const count = Math.min(share, n - first);
      if (count > 0) loads.push(startStormLoad(cpuLoad, { ...base, role: 'clients', first, count, localAddress: `127.0.0.${11 + k}` }));
    }
    const probe = startStormLoad(cpuLoad, { ...base, role: 'probe', count: existing, rate, publishConcurrency: options.publishConcurrency });
    probes.push(probe);
    const openMs = 60_000 + n * 20;
    await Promise.all(loads.map((l) => l.call('open', {}, openMs)));
    await probe.call('open', {}, openMs);
    // Joins fan presence out to every member: let it drain before anything is measured.
    await sleep(quick ? 500 : 2000);

    const redisPid = await localRedisPid(STORM_REDIS_URL);
    const loadReaders = [...loads, probe].map((l) => () => readCpu(l.pid));
    const redisReaders = redisPid === null ? [] : [() => readCpu(redisPid)];
    const sampler = sampleCpu([() => readCpu(b.pid), ...redisReaders, ...loadReaders], CPU_SAMPLE_MS);
    const cpuStartedAt = Date.now();
    await eventLoopLag(b.port);
    await probe.call('publishStart');
    const beforeMs = quick ? 1500 : 5000;
    await sleep(beforeMs);

    const lagBefore = await eventLoopLag(b.port);
    const t0 = epochNow();
    const machineBefore = { busy: readCpuBusy(), b: readCpu(b.pid), overflows: readListenOverflows() };
    const aExit = a.stop(DRAIN_GRACE_MS).then((code) => ({ code, ms: epochNow() - t0 }));
    const backCount = () => loads.reduce((total, l) => total + (l.progress?.back ?? 0), 0);
    await waitFor(() => backCount() >= n, `${n} clients back on B`, quick ? 60_000 : 180_000, 100).catch(() => {});
    const allBackAt = epochNow();
    const lagDuring = await eventLoopLag(b.port);
    // Live traffic after the storm too: a resumed client must go on receiving.
    await sleep(quick ? 1000 : 3000);
    const { stats: publisher, acked } = await probe.call('publishStop', {}, 60_000);
    const endAt = Date.now();
    const machineStorm = { ...machineDuring(machineBefore, b.pid, endAt - t0), eventLoopLag: { before: lagBefore, during: lagDuring } };
    const all = sampler.stop();
    const series = { server: all[0], redis: redisPid === null ? null : all[1], loads: all.slice(1 + redisReaders.length) };
    const stallMs = quick ? 10_000 : 20_000;
    const verifications = await Promise.all([...loads, probe].map((l) => l.call('verify', { acked, stallMs }, 120_000 + stallMs)));
    // The storm lasts until every client is back, and at least the backoff's first two ceilings.
    const stormEnd = Math.max(allBackAt, t0 + options.stormBackoffMs * 3);
    const latency = await probe.call('latency', { windows: { before: [t0 - beforeMs, t0], during: [t0, stormEnd] } });
    if (b.exited()) throw new Error(`B exited during the storm\n${b.output()}`);
    return stormResult({
      transport, n, t0, allBackAt, endAt: endAt, verifications, latency, publisher,
      cpu: { series, startedAt: cpuStartedAt }, machineStorm, aExit: await aExit, options,
    });
  } finally {
    await Promise.all([...loads, ...probes].map((l) => l.stop()));
    await Promise.all(started.map((s) => s.stop(DRAIN_GRACE_MS)));
    await deleteKeys(STORM_REDIS_URL, prefix).catch((error) => console.error(`storm: could not remove ${prefix}* keys: ${error.message}`));
  }
}

/**
 * Runs the WS and the SSE storm into `results` (`storm-ws`, `storm-sse`, Herald only:
 * the naive servers have no second instance to fail over to); returns the runs failed.
 */
export async function runStormScenario(options, machine, results) {
  let failed = 0;
  const refusal = stormRefusal(options) ?? ((await redisAnswers(STORM_REDIS_URL)) ? null : `no Redis answers at ${STORM_REDIS_URL} (set STORM_REDIS_URL)`);
  for (const transport of ['ws', 'sse']) {
    const key = `storm-${transport}`;
    const began = Date.now();
    process.stdout.write(`${key} herald (N=${options.stormN}, ${options.stormRooms} rooms, ${options.stormRate} msg/s, first backoff ceiling ${options.stormBackoffMs} ms) ... `);
    try {
      if (refusal) throw new Error(refusal);
      const result = await runStorm(transport, options, machine);
      results[key] = { herald: result };
      if (result.error) throw new Error(result.error);
      console.log(`done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed++;
      results[key] ??= { herald: { error: error.message } };
      console.log(`FAILED\n  ${error.message.replaceAll('\n', '\n  ')}`);
    }
  }
  return failed;
}
