// Turns what the storm's processes reported into its figures, its notes and its verdict.
import { percentile } from './load/common.mjs';

const sum = (values) => values.reduce((a, b) => a + b, 0);

/** Adds up the tallies of every process (storm-verify.mjs). */
export function addTallies(tallies) {
  const total = { clients: 0, expected: 0, received: 0, missing: 0, duplicates: 0, unacked: 0, clientsMissing: 0, firstMissing: null };
  for (const t of tallies) {
    for (const key of Object.keys(total)) if (typeof total[key] === 'number') total[key] += t[key];
    total.firstMissing ??= t.firstMissing;
  }
  return total;
}

function addCounts(all) {
  const total = {};
  for (const counts of all) {
    for (const [key, value] of Object.entries(counts)) {
      if (typeof value === 'number') total[key] = (total[key] ?? 0) + value;
    }
    for (const field of ['closeCodes', 'connectErrors']) {
      total[field] ??= {};
      for (const [code, n] of Object.entries(counts[field])) total[field][code] = (total[field][code] ?? 0) + n;
    }
    total.firstError ??= counts.firstError;
  }
  return total;
}

/** Peak and mean of a CPU series (storm-loads.mjs sampleCpu) over [from, to) (epoch ms). */
function cpuIn(series, from, to) {
  const inside = series.filter((s) => s.at >= from && s.at < to).map((s) => s.percent);
  return { peak: inside.length ? Math.max(...inside) : null, mean: inside.length ? sum(inside) / inside.length : null };
}

/** The load side's CPU per interval: every load process (and the probe) added up. */
function sumSeries(seriesList) {
  const length = Math.min(...seriesList.map((s) => s.length));
  return Array.from({ length }, (_, i) => ({ at: seriesList[0][i].at, percent: sum(seriesList.map((s) => s[i].percent)) }));
}

/** When the clients of the load processes came back, from SIGTERM (`t0`), and where the time went. */
function backFigures(loadResults, t0, transport) {
  const backMs = loadResults.flatMap((v) => v.backAt).map((at) => (at === null ? Infinity : at - t0)).sort((a, b) => a - b);
  const notBack = backMs.filter((ms) => ms === Infinity).length;
  // Split the wait: SIGTERM → A closed this client (A's drain), closed → back on B (the reconnect).
  const spans = (pick) => loadResults.flatMap((v) => v.backAt.map((backAt, i) => pick(v.droppedAt[i], backAt))).filter(Number.isFinite).sort((a, b) => a - b);
  const quantiles = (sorted) => ({ p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: percentile(sorted, 100) });
  const closedAfter = quantiles(spans((droppedAt) => (droppedAt === null ? NaN : droppedAt - t0)));
  const reconnect = quantiles(spans((droppedAt, backAt) => (droppedAt === null || backAt === null ? NaN : backAt - droppedAt)));
  // The attempt that brought each client back, step by step (WS: tcp, upgrade, welcome, back; SSE: tcp, back).
  const stepNames = transport === 'ws' ? ['start', 'tcp', 'upgrade', 'welcome', 'back'] : ['start', 'tcp', 'back'];
  const steps = loadResults.flatMap((v) => v.backSteps).filter((st) => st !== null);
  const lastAttempt = Object.fromEntries(stepNames.slice(1).map((name, i) => {
    const from = stepNames[i];
    const sorted = steps.map((st) => st[name] - st[from]).filter(Number.isFinite).sort((a, b) => a - b);
    return [`${from}→${name}`, quantiles(sorted)];
  }));
  // Cut where the kernel retransmits a dropped SYN (1, 3, 7, 15, 31, 63 s after the first):
  // a storm that overflowed the accept queue bunches up right after these.
  const edges = [1000, 3000, 7000, 15_000, 31_000, 63_000, Infinity];
  const backHistogram = Object.fromEntries(edges.map((edge, i) => {
    const from = edges[i - 1] ?? 0;
    const label = edge === Infinity ? `>=${from / 1000} s` : `${from / 1000}-${edge / 1000} s`;
    return [label, backMs.filter((ms) => ms >= from && ms < edge).length];
  }));
  return { backMs, notBack, closedAfter, reconnect, lastAttempt, backHistogram };
}

/**
 * The storm's result: metrics for the table, details for the JSON, notes, and `error`
 * (which fails the run) when an acknowledged message was lost or delivered twice, or a
 * client never came back.
 */
export function stormResult({ transport, n, t0, allBackAt, endAt, verifications, latency, publisher, cpu, machineStorm, aExit, options }) {
  const tally = addTallies(verifications.map((v) => v.tally));
  const counts = addCounts(verifications.slice(0, -1).map((v) => v.counts));
  const { backMs, notBack, closedAfter, reconnect, lastAttempt, backHistogram } = backFigures(verifications.slice(0, -1), t0, transport);
  const finite = (ms) => (Number.isFinite(ms) ? ms : null);
  const server = { before: cpuIn(cpu.series.server, cpu.startedAt, t0), storm: cpuIn(cpu.series.server, t0, endAt) };
  const load = { storm: cpuIn(sumSeries(cpu.series.loads), t0, endAt) };
  const redis = cpu.series.redis === null ? null : { storm: cpuIn(cpu.series.redis, t0, endAt) };
  const lost = tally.missing;
  const metrics = {
    back50Ms: finite(percentile(backMs, 50)),
    back99Ms: finite(percentile(backMs, 99)),
    peakServerCpu: server.storm.peak,
    p99BeforeMs: latency.before.p99Ms,
    p99DuringMs: latency.during.p99Ms,
    lost,
  };
  const problems = [];
  if (lost > 0) problems.push(`${lost} acknowledged deliveries lost (${tally.clientsMissing} clients miss some; first: ${JSON.stringify(tally.firstMissing)})`);
  if (tally.duplicates > 0) problems.push(`${tally.duplicates} acknowledged messages delivered more than once`);
  if (notBack > 0) problems.push(`${notBack} of ${n} clients were not back on B`);
  if (tally.expected === 0) problems.push('nothing was acknowledged: the publisher did not publish');
  const notes = [
    `${n} ${transport === 'ws' ? 'WebSocket clients' : 'SSE streams'} on A in ${options.stormRooms} rooms, ${publisher.acked} messages acked at ${options.stormRate}/s through B; A exited with ${aExit.code} ${Math.round(aExit.ms)} ms after SIGTERM; close codes ${JSON.stringify(counts.closeCodes)}; ${counts.attempts} reconnect attempts (${counts.attempts - n} beyond the first), ${counts.droppedAgain ?? 0} dropped again after coming back`,
    `back after SIGTERM: ${Object.entries(backHistogram).map(([range, count]) => `${range}: ${count}`).join(', ')}`,
    `A closed its clients ${fmtS(closedAfter.p50Ms)} (p50) / ${fmtS(closedAfter.p99Ms)} (p99) after SIGTERM; from that close to back on B took ${fmtS(reconnect.p50Ms)} (p50) / ${fmtS(reconnect.p99Ms)} (p99) / ${fmtS(reconnect.maxMs)} (max)`,
    `the attempt that brought a client back, step by step (p50 / p99): ${Object.entries(lastAttempt).map(([span, q]) => `${span} ${fmtS(q.p50Ms)} / ${fmtS(q.p99Ms)}`).join(', ')}`,
    `all back ${finite(backMs.at(-1)) === null ? 'never' : `${(backMs.at(-1) / 1000).toFixed(2)} s`} after SIGTERM; ${tally.received} of ${tally.expected} acknowledged deliveries arrived, ${tally.duplicates} twice, ${tally.unacked} unacknowledged ids seen`,
    `B's CPU peaked at ${Math.round(server.storm.peak ?? 0)}% of a core (mean ${Math.round(server.storm.mean ?? 0)}% during the storm, ${Math.round(server.before.mean ?? 0)}% before); the load processes together peaked at ${Math.round(load.storm.peak ?? 0)}% (mean ${Math.round(load.storm.mean ?? 0)}%)${saturation(server.storm, load.storm, machineStorm)}`,
    `over the storm other work took ${pctOr(machineStorm.otherOnServerCpuPercent)} of CPU 0 (B's), CPU 1 (A until it exited, the load, other work) was ${pctOr(machineStorm.loadCpuBusyPercent)} busy; ` +
      `Redis peaked at ${redis ? pctOr(redis.storm.peak) : 'n/a (not local)'} of a core; accept queues overflowed ${machineStorm.listenOverflows ?? 'n/a'} times (every listener on the machine: a full queue drops the SYN and the client retries after 1, 3, 7, 15, 31 s)`,
    `B's event loop was late by up to ${fmtMs(machineStorm.eventLoopLag.during.maxMs)} (p99 ${fmtMs(machineStorm.eventLoopLag.during.p99Ms)}) from SIGTERM until all were back, ${fmtMs(machineStorm.eventLoopLag.before.maxMs)} (p99 ${fmtMs(machineStorm.eventLoopLag.before.p99Ms)}) before`,
    `B's ${options.stormExisting} existing clients: p99 ${fmtMs(latency.before.p99Ms)} before (${latency.before.samples} samples), ${fmtMs(latency.during.p99Ms)} during the storm (${latency.during.samples} samples)`,
  ];
  if (Object.keys(counts.connectErrors).length > 0) notes.push(`failed connection attempts: ${JSON.stringify(counts.connectErrors)}`);
  if (counts.notRecovered || counts.resets) notes.push(`${counts.notRecovered ?? 0} joins said recovered:false, ${counts.resets ?? 0} streams got a reset`);
  if (publisher.failures) {
    notes.push(`the publisher got ${publisher.failures} errors, first: ${publisher.firstFailure}; ${publisher.unanswered} sends unanswered (not expected of anyone), ${publisher.skipped} skipped while it reconnected`);
  }
  if (counts.errors) notes.push(`clients got ${counts.errors} errors, first: ${counts.firstError}`);
  return {
    metrics,
    details: { transport, n, back: { p50Ms: metrics.back50Ms, p99Ms: metrics.back99Ms, allMs: finite(backMs.at(-1)), notBack, histogram: backHistogram, closedAfterSigterm: closedAfter, closeToBack: reconnect, lastAttempt }, tally, counts, existingClients: latency, publisher, cpu: { server, load, redis }, machine: machineStorm, aExit, allBackAt },
    notes,
    ...(problems.length > 0 ? { error: `storm (${transport}): ${problems.join('; ')}` } : {}),
  };
}

const fmtS = (ms) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const pctOr = (p) => (p === null || p === undefined ? 'n/a' : `${Math.round(p)}%`);
const fmtMs = (ms) => (ms === null ? 'n/a' : `${ms.toFixed(1)} ms`);

function saturation(server, load, machine) {
  // B had CPU 0 to itself only if nothing else ran there: on a shared machine it waits its turn.
  if ((machine.otherOnServerCpuPercent ?? 0) > 30) return ` (B was STARVED: other work took ${Math.round(machine.otherOnServerCpuPercent)}% of its CPU, so the machine, not B's code, set the pace)`;
  // The load processes share CPU 1 (A's too, until it exits): near 100% there, they set the pace.
  if ((load.peak ?? 0) > 90 && (server.peak ?? 0) > 90) return ' (both sides full at the peak)';
  if ((load.peak ?? 0) > 90) return ' (LOAD-BOUND at the peak: the clients, not B, set the pace)';
  if ((server.peak ?? 0) > 90) return ' (B saturated at the peak)';
  return ' (neither side saturated)';
}
