// Reads another process's CPU time and resident memory from /proc (Linux only).
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of the whole process (all threads), in µs; resolution is one clock tick (10 ms). */
export function statCpuMicros(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / ticksPerSecond();
}

/**
 * The same CPU time at nanosecond resolution: the sum over the process's threads of the
 * scheduler's run time (/proc/<pid>/task/<tid>/schedstat). A short quick-mode burst costs
 * a few milliseconds, below the 10 ms tick, so ticks alone would read zero. Threads that
 * exited in between are lost, which is why stat is kept alongside. Null when unavailable.
 */
export function schedCpuMicros(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between readdir and read
      }
    }
    return ns > 0 ? ns / 1000 : null;
  } catch {
    return null;
  }
}

/** A CPU reading with both sources; subtract two with cpuDelta. */
export function readCpu(pid) {
  return { stat: statCpuMicros(pid), sched: schedCpuMicros(pid) };
}

/** CPU µs spent between two readings: the nanosecond source when both readings have it. */
export function cpuDelta(before, after) {
  const statMicros = after.stat - before.stat;
  const schedMicros = before.sched !== null && after.sched !== null ? after.sched - before.sched : null;
  return { micros: schedMicros ?? statMicros, source: schedMicros === null ? 'stat' : 'schedstat', statMicros };
}

/** VmRSS in bytes. */
export function readRssBytes(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median of `count` RSS samples taken `gapMs` apart; the median shrugs off a GC in progress. */
export async function sampleRss(pid, count = 5, gapMs = 200) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    samples.push(readRssBytes(pid));
  }
  return { median: median(samples), samples };
}

/**
 * Per-CPU time spent running tasks (user + nice + system, in µs) from /proc/stat: with the
 * server and the load each pinned to a CPU, what is left over on that CPU is other work
 * on the machine, which is what makes two runs of the same bench disagree.
 */
export function readCpuBusy() {
  const busy = {};
  try {
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const match = /^cpu(\d+) (\d+) (\d+) (\d+)/.exec(line);
      if (match) busy[match[1]] = ((Number(match[2]) + Number(match[3]) + Number(match[4])) * 1e6) / ticksPerSecond();
    }
  } catch {
    // not Linux: no contention figure
  }
  return busy;
}

/** TcpExt ListenOverflows from /proc/net/netstat (this network namespace, every listener): accept queues that were full. */
export function readListenOverflows() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0].split(' ');
    return Number(lines[1].split(' ')[names.indexOf('ListenOverflows')]);
  } catch {
    return null;
  }
}
