import { readFileSync, readdirSync } from 'node:fs';
import { sleep } from '@herald/testkit';

/* What the hardening tests measure of a service process (Service#pid), from Linux /proc. */

/** VmRSS of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The median of a few RSS samples: one GC in progress does not decide the figure. */
export async function medianRss(pid: number, samples = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(200);
    values.push(rssBytes(pid));
  }
  return values.sort((a, b) => a - b)[Math.floor(samples / 2)]!;
}

/** Open file descriptors of a process (sockets included). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const MiB = 1024 * 1024;
