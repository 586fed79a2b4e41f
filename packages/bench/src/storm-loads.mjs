// The storm's load processes (load/storm-main.mjs): spawned pinned like every bench
// child, driven by commands over IPC, each answer awaited with a timeout.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { spawnNode, stopChild } from './children.mjs';
import { readCpu } from './proc-stats.mjs';

const STORM_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load/storm-main.mjs');

/** Starts one storm load process with `cfg`; `call(cmd, args, timeoutMs)` resolves with its answer. */
export function startStormLoad(cpu, cfg) {
  const child = spawnNode(cpu, STORM_MAIN, [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  let nextId = 0;
  let exit = null;
  const load = { pid: child.pid, cfg, progress: null };
  child.on('message', (message) => {
    if (message.progress) {
      load.progress = message.progress;
      return;
    }
    const w = waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id);
    clearTimeout(w.timer);
    if (message.ok) w.resolve(message.value);
    else w.reject(new Error(`storm load (${cfg.role} ${cfg.localAddress ?? ''}): ${w.cmd} failed: ${message.error}`));
  });
  child.once('exit', (code, signal) => {
    exit = code ?? signal;
    for (const w of waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error(`storm load (${cfg.role}) exited with ${exit} during ${w.cmd}`));
    }
    waiting.clear();
  });
  load.call = (cmd, args = {}, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      if (exit !== null) return reject(new Error(`storm load (${cfg.role}) exited with ${exit}`));
      const id = ++nextId;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`storm load (${cfg.role}): no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, { resolve, reject, timer, cmd });
      child.send({ id, cmd, args });
    });
  load.cpu = () => (exit === null ? readCpu(child.pid) : null);
  load.stop = async () => {
    if (exit === null) await load.call('stop', {}, 10_000).catch(() => {});
    return stopChild(child, 2000);
  };
  return load;
}

/** Calls each CPU reader (proc-stats readCpu) every `intervalMs`; `stop()` returns, per reader, the % of a core in each interval. */
export function sampleCpu(readers, intervalMs) {
  const series = readers.map(() => []);
  let last = readers.map((read) => safe(read));
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const current = readers.map((read) => safe(read));
    current.forEach((reading, i) => {
      const before = last[i];
      if (reading && before) {
        const micros = reading.sched !== null && before.sched !== null ? reading.sched - before.sched : reading.stat - before.stat;
        series[i].push({ at: Date.now(), percent: micros / 10 / (now - lastAt) });
      }
    });
    last = current;
    lastAt = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return series;
    },
  };
}

function safe(read) {
  try {
    return read();
  } catch {
    return null;
  }
}
