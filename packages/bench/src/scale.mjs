// The `scale` scenario: WS and SSE fan-out on one server process at each N of SCALE_NS,
// Herald and its naive baseline at the same N, the subscribers spread over load
// processes of at most SCALE_PER_LOAD connections each (scale-fleet.mjs).
import { readFileSync } from 'node:fs';
import { fleetFanout } from './scale-fanout.mjs';
import { splitLoad } from './scale-fleet.mjs';
import { startServer } from './server.mjs';
import { TARGETS, isBuilt } from './targets.mjs';

/**
 * File descriptors a process needs besides its connections: stdio, the event loop's
 * epoll and pipes, the listening socket, the publisher's sockets, a Redis connection or
 * two. Generous on purpose: running out mid-run would be a confusing failure.
 */
export const FD_MARGIN = 256;

/** The hard open-file limit this process (and so every child it starts) has; null when unknown. */
export function hardFdLimit(limitsText = readLimits()) {
  const match = /^Max open files\s+\S+\s+(\S+)/m.exec(limitsText ?? '');
  if (!match) return null;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

function readLimits() {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}

/**
 * Refuses, before anything starts, an N one server process cannot hold, or a per-load
 * share one load process cannot: each needs N + FD_MARGIN descriptors under the hard
 * limit, which an unprivileged process cannot raise. Returns the limit checked against.
 */
export function checkFdBudget(ns, perLoad, limit = hardFdLimit()) {
  if (limit === null || limit === Infinity) return limit;
  const most = limit - FD_MARGIN;
  const over = ns.filter((n) => n > most);
  if (over.length > 0) {
    throw new Error(
      `scale: N=${over.join(',')} needs more than the hard open-file limit of ${limit} allows one server process ` +
        `(N + ${FD_MARGIN} descriptors); the most here is N=${most}. Raise the hard limit (ulimit -Hn, ` +
        'systemd LimitNOFILE, docker --ulimit nofile) or lower SCALE_NS.',
    );
  }
  if (perLoad > most) {
    throw new Error(`scale: SCALE_PER_LOAD=${perLoad} is over what one load process may open (${most} under the hard limit of ${limit})`);
  }
  return limit;
}

const TRANSPORTS = [
  { transport: 'ws', herald: 'herald-ws', baseline: 'naive-ws' },
  { transport: 'sse', herald: 'herald-sse', baseline: 'naive-sse' },
];

/** One fan-out with a fresh server of `target` (env overrides as in targets.mjs). */
export async function fanoutOnce(target, transport, n, options, machine, { burst, env = {} } = {}) {
  if (!isBuilt(target)) throw new Error(`${target.script} not found (run pnpm build first)`);
  const server = await startServer(target, machine.pinned ? 0 : null, env);
  try {
    const result = await fleetFanout({
      transport,
      kind: target.kind,
      port: server.port,
      serverPid: server.pid,
      n,
      burst: burst ?? options.scaleBurst,
      rate: options.rate,
      duration: options.duration,
      perLoad: options.scalePerLoad,
      concurrency: options.concurrency,
      publishConcurrency: options.publishConcurrency,
      loadCpu: machine.pinned ? 1 : null,
      quick: options.quick,
    });
    if (server.exited()) throw new Error(`${target.name} exited during the run\n${server.output()}`);
    return result;
  } catch (error) {
    const output = server.output();
    throw new Error(`${error.message}${output && !error.message.includes(output) ? `\n${target.name} said:\n${output}` : ''}`);
  } finally {
    await server.stop();
  }
}

export function preflightScale(options) {
  checkFdBudget(options.scaleNs, options.scalePerLoad);
}

/** Results keyed `<transport> N=<n>` → { herald, baseline } (what scale-report.mjs reads). */
export async function runScale(options, machine, log) {
  const results = {};
  log(
    `scale: SCALE_NS=${options.scaleNs.join(',')} SCALE_PER_LOAD=${options.scalePerLoad} SCALE_BURST=${options.scaleBurst} ` +
      `RATE=${options.rate} DURATION=${options.duration}s, hard open-file limit ${hardFdLimit() ?? 'unknown'}\n`,
  );
  for (const { transport, herald, baseline } of TRANSPORTS) {
    for (const n of options.scaleNs) {
      const key = `${transport} N=${n}`;
      results[key] = {};
      for (const [side, name] of [['baseline', baseline], ['herald', herald]]) {
        const began = Date.now();
        const k = splitLoad(n, options.scalePerLoad).length;
        log(`scale ${key} ${side} (${k} load process${k > 1 ? 'es' : ''}) ... `);
        try {
          results[key][side] = await fanoutOnce(TARGETS[name], transport, n, options, machine);
          log(`done in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
        } catch (error) {
          results[key][side] = { error: error.message };
          log(`FAILED\n  ${error.message.replaceAll('\n', '\n  ')}\n`);
        }
      }
    }
  }
  return results;
}
