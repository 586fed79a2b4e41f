// Rows and notes of the redis scenario (redis-scenario.mjs): the Herald column is the
// service on Redis, the baseline column the same service on the in-memory bus.
import { fanoutNotes, metricRow } from './scale-report.mjs';

const LATENCY_METRICS = [
  { key: 'p50Ms', label: 'p50 publish→deliver at RATE msg/s, Redis vs memory bus', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'p99 publish→deliver at RATE msg/s, Redis vs memory bus', unit: 'ms', better: 'lower' },
];
const RAMP_METRICS = [
  { key: 'publishesPerSecond', label: 'most acked publishes/s, 2 event-stream instances on 1 Redis', unit: 'msg/s', better: 'higher' },
  { key: 'redisCpuPercent', label: 'redis-server CPU at that rate', unit: '% of a core', better: 'lower' },
];

export function redisRows(results, options) {
  const rows = [];
  for (const transport of ['ws', 'sse']) {
    const sides = results[`${transport} latency`];
    if (!sides) continue;
    const n = sides.herald?.details?.n ?? sides.baseline?.details?.n ?? options.redisN;
    for (const metric of LATENCY_METRICS) rows.push(metricRow(`Redis ${transport.toUpperCase()} N=${n}`, metric, sides.herald, sides.baseline, options));
  }
  const ramp = results['publish ramp'];
  if (ramp) for (const metric of RAMP_METRICS) rows.push(metricRow('Redis publish ramp', metric, ramp.herald, undefined, options));
  return rows;
}

export function redisNotes(results) {
  const notes = [];
  for (const transport of ['ws', 'sse']) {
    const sides = results[`${transport} latency`];
    if (!sides) continue;
    notes.push(...fanoutNotes(`redis ${transport} memory bus`, sides.baseline), ...fanoutNotes(`redis ${transport} on Redis`, sides.herald));
  }
  const ramp = results['publish ramp']?.herald;
  if (ramp?.error) notes.push(`redis publish ramp: FAILED: ${ramp.error.split('\n')[0]}`);
  else if (ramp) {
    const pct = (p) => (p === null || p === undefined ? 'n/a' : `${Math.round(p)}%`);
    const steps = ramp.details.steps.map((s) => `${s.concurrency}: ${Math.round(s.publishesPerSecond)}/s`).join(', ');
    const { best } = ramp.details;
    notes.push(
      `redis publish ramp (in flight: acked/s): ${steps}; at the most, CPU of instance A ${pct(best.serverCpuPercent[0])}, ` +
        `B ${pct(best.serverCpuPercent[1])}, redis-server ${pct(best.redisCpuPercent)}, load ${pct(best.loadCpuPercent)} ` +
        `(all unpinned on the machine's cores); redis-server ${ramp.details.redisProcess}`,
    );
    if (best.refused || best.failed) notes.push(`redis publish ramp: ${best.refused} refused and ${best.failed} failed publishes at ${best.concurrency} in flight`);
  }
  return notes;
}
