// Helpers shared by the WebSocket and SSE load generators.
import { performance } from 'node:perf_hooks';
import { readCpu, readCpuBusy, cpuDelta, sampleRss } from '../proc-stats.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The payload marker: `<phase>@@<performance.now() at send>@@`, found by indexOf. */
export const MARK = '@@';
export const BURST_PHASE = 'B';
export const LATENCY_PHASE = 'L';
export const BURST_CODE = BURST_PHASE.charCodeAt(0);
export const LATENCY_CODE = LATENCY_PHASE.charCodeAt(0);
export const stamp = (phase) => `${phase}${MARK}${performance.now().toFixed(3)}${MARK}`;

/** Runs `task(i)` for i < count with at most `limit` in flight; throws the first failure after all settle. */
export async function pool(count, limit, task) {
  const results = new Array(count);
  let next = 0;
  let firstError;
  let failures = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (error) {
        failures++;
        firstError ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (firstError) throw new Error(`${failures} of ${count} failed; first: ${firstError.message}`);
  return results;
}

/**
 * Waits until `done()`; gives up when `progress()` has not moved for `stallMs` or after
 * `timeoutMs` in all. Returns whether it finished.
 */
export async function waitUntil(done, progress, { stallMs = 15_000, timeoutMs = 300_000, pollMs = 5 } = {}) {
  const start = Date.now();
  let last = progress();
  let lastMoved = start;
  while (!done()) {
    await sleep(pollMs);
    const now = Date.now();
    const current = progress();
    if (current !== last) {
      last = current;
      lastMoved = now;
    } else if (now - lastMoved > stallMs) {
      return false;
    }
    if (now - start > timeoutMs) return false;
  }
  return true;
}

/** Waits until `count()` has stayed the same for `quietMs` (setup traffic such as presence drained). */
export async function quiesce(count, quietMs = 300, timeoutMs = 60_000) {
  const start = Date.now();
  let last = count();
  let lastMoved = start;
  while (Date.now() - lastMoved < quietMs) {
    if (Date.now() - start > timeoutMs) throw new Error(`traffic did not settle within ${timeoutMs} ms`);
    await sleep(25);
    const current = count();
    if (current !== last) {
      last = current;
      lastMoved = Date.now();
    }
  }
}

/** Calls `send()` `rate` times a second for `seconds`, on a fixed schedule (no drift); returns calls made. */
export async function paced(rate, seconds, send) {
  const total = Math.max(1, Math.round(rate * seconds));
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    send(i);
  }
  return total;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Records publish→receive latencies (ms) without allocating per sample. */
export class LatencyRecorder {
  constructor(capacity) {
    this.samples = new Float64Array(Math.max(1, capacity));
    this.count = 0;
  }
  add(sentAt) {
    if (this.count < this.samples.length) this.samples[this.count] = performance.now() - sentAt;
    this.count++;
  }
  summary() {
    const sorted = this.samples.slice(0, Math.min(this.count, this.samples.length)).sort();
    return { samples: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: percentile(sorted, 100) };
  }
}

/** Measures a window: wall time, server CPU (from /proc) and this load process's CPU. */
export function startWindow(serverPid) {
  const wall = performance.now();
  const server = readCpu(serverPid);
  const load = process.cpuUsage();
  const busy = readCpuBusy();
  return {
    end(endWall = performance.now()) {
      const serverCpu = cpuDelta(server, readCpu(serverPid));
      const loadUsage = process.cpuUsage(load);
      const busyNow = readCpuBusy();
      const wallMs = endWall - wall;
      const elapsedMs = performance.now() - wall;
      // Busy time on the server's CPU (0) and the load's (1) not spent by either of them;
      // /proc/stat counts 10 ms ticks, so windows under half a second get no figure.
      const otherPercent = (cpu, own) =>
        busy[cpu] === undefined || elapsedMs < 500
          ? null
          : Math.max(0, (busyNow[cpu] - busy[cpu] - own) / 10 / elapsedMs);
      return {
        wallMs,
        serverCpuMicros: serverCpu.micros,
        serverCpuSource: serverCpu.source,
        serverCpuStatMicros: serverCpu.statMicros,
        loadCpuMicros: loadUsage.user + loadUsage.system,
        serverCpuPercent: (serverCpu.micros / 10 / wallMs),
        loadCpuPercent: ((loadUsage.user + loadUsage.system) / 10 / wallMs),
        otherOnServerCpuPercent: otherPercent('0', serverCpu.statMicros),
        otherOnLoadCpuPercent: otherPercent('1', loadUsage.user + loadUsage.system),
      };
    },
  };
}

/**
 * RSS growth of the server per idle connection: a warm-up round first (lazy module
 * loading and JIT are not per-connection state), then `idleN` opened and held.
 */
export async function measureIdle(cfg, open, close) {
  const { idleN, concurrency, serverPid, settleMs } = cfg;
  close(await pool(Math.min(100, idleN), concurrency, (i) => open(`warm${i}`)));
  await sleep(settleMs);
  const before = await sampleRss(serverPid);
  const held = await pool(idleN, concurrency, (i) => open(`idle${i}`));
  await sleep(settleMs);
  const after = await sampleRss(serverPid);
  close(held);
  return {
    metrics: { bytesPerConnection: (after.median - before.median) / idleN },
    details: { connections: idleN, rssBefore: before, rssAfter: after },
  };
}

/**
 * Connections per second until `setupN` are open, CONCURRENCY attempts in flight.
 * Warm-up with a full round: a cold process pays for JIT and heap growth on its first
 * thousands of connections, which made the first round up to twice as slow as the next.
 */
export async function measureSetup(cfg, open, close) {
  const { setupN, concurrency, serverPid } = cfg;
  close(await pool(setupN, concurrency, open));
  await sleep(1000);
  const window = startWindow(serverPid);
  const opened = await pool(setupN, concurrency, open);
  const measured = window.end();
  close(opened);
  return {
    metrics: {
      connectionsPerSecond: setupN / (measured.wallMs / 1000),
      cpuPerConnection: measured.serverCpuMicros / setupN,
    },
    details: { connections: setupN, ...measured },
  };
}

/** The result of a fan-out run, the same for WS and SSE. */
export function fanoutResult({ expected, burstDelivered, burstComplete, burstWindow, sent, n, latency, latencyComplete, summary, latencyMeasured }, extra = {}) {
  return {
    metrics: {
      burstRate: burstDelivered / (burstWindow.wallMs / 1000),
      cpuPerDelivery: burstWindow.serverCpuMicros / burstDelivered,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
    },
    details: {
      burst: { expected, delivered: burstDelivered, complete: burstComplete, ...burstWindow },
      latency: { sent, expected: sent * n, delivered: latency.count, complete: latencyComplete, ...summary, window: latencyMeasured },
      ...extra,
    },
  };
}
