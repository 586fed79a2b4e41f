// What the bench ran on, and whether server and load can each have a CPU of their own.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';

function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux: fall through to what Node knows
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** True when `taskset -c 0` and `taskset -c 1` both work here. */
function canPin(cores) {
  if (cores < 2) return false;
  const probe = spawnSync('taskset', ['-c', '0,1', 'true'], { stdio: 'ignore' });
  return probe.status === 0;
}

export function describeMachine() {
  const cores = os.availableParallelism();
  return {
    cpu: cpuModel(),
    cores,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    pinned: canPin(cores),
  };
}
