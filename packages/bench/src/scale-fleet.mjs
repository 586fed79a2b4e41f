// The coordinator side of a multi-process fan-out: K load processes (load/scale-worker.mjs),
// each pinned to the load CPU, holding its share of the subscribers from its own source
// address 127.0.0.(2+k), so that no process nears its open-file limit and no source-port
// range runs out. Progress and results come back as lines on their stdout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, stopChild, tailOf } from './children.mjs';
import { LogHistogram } from './load/scale-histogram.mjs';
import { readCpu } from './proc-stats.mjs';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load/scale-worker.mjs');

/** Source address of load process k: 127.0.0.2, 127.0.0.3, ... (the server listens on 127.0.0.1). */
export const sourceAddress = (k) => `127.0.0.${2 + k}`;

/** How `n` subscribers split over processes of at most `perLoad` each (as even as possible). */
export function splitLoad(n, perLoad) {
  const k = Math.max(1, Math.ceil(n / perLoad));
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

function startWorker(k, count, cfg, cpu) {
  const child = spawnNode(cpu, WORKER, [JSON.stringify({ ...cfg, count, localAddress: sourceAddress(k) })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = tailOf(child.stderr);
  const worker = { child, count, address: sourceAddress(k), ready: false, progress: null, result: null, stderr };
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      if (line.startsWith('READY ')) worker.ready = true;
      else if (line.startsWith('P ')) worker.progress = JSON.parse(line.slice(2));
      else if (line.startsWith('RESULT ')) worker.result = JSON.parse(line.slice(7));
    }
  });
  return worker;
}

/**
 * Starts the fleet for `n` subscribers on `port` and resolves once every subscriber is
 * connected. `cfg`: transport ('ws' | 'sse'), kind, port, concurrency, hardTimeoutMs.
 */
export async function startFleet(n, perLoad, cfg, cpu, timeoutMs) {
  const workers = splitLoad(n, perLoad).map((count, k) => startWorker(k, count, cfg, cpu));
  const fleet = new Fleet(workers);
  try {
    await fleet.until(() => workers.every((w) => w.ready), `${n} subscribers connected`, timeoutMs);
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  return fleet;
}

const ZERO = { frames: 0, warmed: 0, burst: 0, latency: 0, closed: 0, lastBurstAt: 0 };

export class Fleet {
  constructor(workers) {
    this.workers = workers;
  }

  get pids() {
    return this.workers.map((w) => w.child.pid);
  }

  /** Summed progress (lastBurstAt: the latest of all). */
  totals() {
    const sum = { ...ZERO };
    for (const { progress } of this.workers) {
      if (!progress) continue;
      for (const key of ['frames', 'warmed', 'burst', 'latency', 'closed']) sum[key] += progress[key];
      sum.lastBurstAt = Math.max(sum.lastBurstAt, progress.lastBurstAt);
    }
    return sum;
  }

  /** Each load process's CPU (µs), read from /proc like the server's. */
  readCpu() {
    return this.workers.map((w) => readCpu(w.child.pid));
  }

  /** Polls `check` (which may throw); fails when a worker died or after `timeoutMs`. */
  async until(check, what, timeoutMs, intervalMs = 20) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
      if (dead && !dead.result) {
        throw new Error(`load process ${dead.address} exited (${dead.child.exitCode ?? dead.child.signalCode})\n${dead.stderr()}`);
      }
      if (check()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Asks every worker for its result; the latency histograms merged bucket by bucket. */
  async finish(timeoutMs = 60_000) {
    for (const w of this.workers) w.child.stdin.write('finish\n');
    await this.until(() => this.workers.every((w) => w.result), 'the load processes\' results', timeoutMs);
    const histogram = new LogHistogram();
    for (const w of this.workers) histogram.merge(LogHistogram.fromJSON(w.result.histogram));
    return { histogram, perProcess: this.workers.map((w) => ({ address: w.address, subscribers: w.count, ...w.result, histogram: undefined })) };
  }

  stop() {
    return Promise.all(this.workers.map((w) => stopChild(w.child, 2000)));
  }
}
