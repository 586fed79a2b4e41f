// Rows and notes of the multi-process scenarios (scale, redis): a row per metric per N,
// so the table shows how each figure grows with N, and notes that say which side was
// saturated in each run.

const SCALE_METRICS = [
  { key: 'burstRate', label: 'burst deliveries/s', unit: 'msg/s', better: 'higher' },
  { key: 'cpuPerDelivery', label: 'server CPU per delivery', unit: 'µs', better: 'lower' },
  { key: 'p50Ms', label: 'p50 latency at RATE msg/s', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'p99 latency at RATE msg/s', unit: 'ms', better: 'lower' },
  { key: 'rssPerConnection', label: 'server RSS per subscribed connection', unit: 'KB', scale: 1 / 1024, better: 'lower' },
];

const valueOf = (side, metric) => {
  const raw = side?.metrics?.[metric.key];
  return typeof raw === 'number' && Number.isFinite(raw) ? raw * (metric.scale ?? 1) : null;
};

export function metricRow(scenario, metric, herald, baseline, options) {
  const h = valueOf(herald, metric);
  const b = valueOf(baseline, metric);
  return {
    scenario,
    metric: `${metric.label.replace('RATE', String(options.rate))} (${metric.unit})`,
    herald: h,
    baseline: b,
    ratio: h !== null && b !== null && b !== 0 ? h / b : null,
    better: `${metric.better} is better`,
    unit: metric.unit,
  };
}

/** `results`: { 'ws N=1000': { herald, baseline }, ... } from scale.mjs. */
export function scaleRows(results, options) {
  const rows = [];
  for (const transport of ['ws', 'sse']) {
    const keys = Object.keys(results).filter((k) => k.startsWith(`${transport} `));
    for (const metric of SCALE_METRICS) {
      for (const key of keys) {
        const n = Number(key.slice(key.indexOf('=') + 1)).toLocaleString('en-US');
        rows.push(metricRow(`Scale ${transport.toUpperCase()} N=${n}`, metric, results[key].herald, results[key].baseline, options));
      }
    }
  }
  return rows;
}

const pct = (n) => `${Math.round(n ?? 0)}%`;

/** Which side was full in a measured window: the server's CPU, the load CPU, or neither. */
export function saturation(window) {
  if (!window) return null;
  const serverFull = window.serverCpuPercent + (window.otherOnServerCpuPercent ?? 0) > 90;
  const loadFull = window.loadCpuPercent + (window.otherOnLoadCpuPercent ?? 0) > 90;
  const verdict = serverFull && loadFull ? 'both CPUs full' : serverFull ? 'server-bound' : loadFull ? 'LOAD-BOUND (understates the server)' : 'neither CPU full';
  const perProcess = window.loadCpuPercentPerProcess?.length > 1 ? ` (${window.loadCpuPercentPerProcess.map(pct).join(' + ')})` : '';
  let text = `server CPU ${pct(window.serverCpuPercent)}, load CPU ${pct(window.loadCpuPercent)}${perProcess}: ${verdict}`;
  const other = [window.otherOnServerCpuPercent, window.otherOnLoadCpuPercent];
  if (other.some((p) => p !== null && p !== undefined && p > 5)) text += `; other work took ${pct(other[0])} of CPU 0 and ${pct(other[1])} of CPU 1`;
  return text;
}

/** Notes for one fan-out result (scale-fanout.mjs), prefixed with `who`. */
export function fanoutNotes(who, result) {
  if (!result) return [];
  if (result.error) return [`${who}: FAILED: ${result.error.split('\n')[0]}`];
  const notes = [];
  const { burst, latency, loadProcesses, subscribersClosed } = result.details;
  if (burst) notes.push(`${who} burst (${loadProcesses} load process${loadProcesses > 1 ? 'es' : ''}): ${saturation(burst)}`);
  notes.push(`${who} paced phase: ${saturation(latency.window)}`);
  if (burst && !burst.complete) notes.push(`${who}: burst delivered ${burst.delivered} of ${burst.expected}`);
  if (!latency.complete) notes.push(`${who}: paced phase delivered ${latency.delivered} of ${latency.expected}`);
  if (subscribersClosed) notes.push(`${who}: the server closed ${subscribersClosed} subscribers during the run`);
  const failedPublishes = (burst?.failedPublishes ?? 0) + latency.failedPublishes;
  if (failedPublishes) notes.push(`${who}: ${failedPublishes} publishes failed (first: ${result.details.firstPublishFailure}); their deliveries are not expected`);
  return notes;
}

export const SCALE_FIXED_NOTE =
  'Scale: one server process (CPU 0) per run, the subscribers split over load processes of at most SCALE_PER_LOAD ' +
  '(all on CPU 1), each bound to its own 127.0.0.x; WS on the seed route / for both sides (Herald\'s seed-mode members ' +
  'get no presence frames: N JSON joins into one room would fan out N^2/2 presence frames), SSE on /sse; latencies ' +
  'stamped with wall-clock ms across processes and merged from 1%-wide histogram buckets; RSS per connection = VmRSS ' +
  'growth from before the subscribers connect to after a warm-up message reached all of them, divided by N.';

export function scaleNotes(results) {
  const notes = [SCALE_FIXED_NOTE];
  for (const [key, sides] of Object.entries(results)) {
    for (const side of ['baseline', 'herald']) notes.push(...fanoutNotes(`scale ${key} ${side}`, sides[side]));
  }
  return notes;
}
