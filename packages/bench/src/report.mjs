// Turns results into rows, a plain table for the terminal, Markdown for the docs and the
// notes a reader needs to trust (or distrust) the figures.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SCENARIO_SPECS } from './scenarios.mjs';

function format(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const digits = unit === 'msg/s' || unit === 'conn/s' || unit === 'events/s' || unit === 'msgs' ? 0 : Math.abs(value) >= 100 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const valueOf = (side, metric) => {
  const raw = side?.metrics?.[metric.key];
  return typeof raw === 'number' ? raw * (metric.scale ?? 1) : null;
};

export function buildRows(results, options) {
  const rows = [];
  for (const [scenario, sides] of Object.entries(results)) {
    const spec = SCENARIO_SPECS[scenario];
    if (spec.rows) {
      rows.push(...spec.rows(sides, options));
      continue;
    }
    for (const metric of spec.metrics) {
      const herald = valueOf(sides.herald, metric);
      const baseline = valueOf(sides.baseline, metric);
      const ratio = herald !== null && baseline !== null && baseline !== 0 ? herald / baseline : null;
      rows.push({
        scenario: spec.title,
        metric: `${metric.label.replace('RATE', String(options.rate))} (${metric.unit})`,
        herald,
        baseline,
        ratio,
        better: `${metric.better} is better`,
        unit: metric.unit,
      });
    }
  }
  return rows;
}

function cells(row) {
  return [
    row.scenario,
    row.metric,
    format(row.herald, row.unit),
    format(row.baseline, row.unit),
    row.ratio === null ? 'n/a' : `${row.ratio.toFixed(2)}x`,
    row.better,
  ];
}

const HEADER = ['scenario', 'metric', 'herald', 'baseline', 'herald/baseline', ''];

export function textTable(rows) {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const numeric = new Set([2, 3, 4]);
  const line = (r) => r.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  ').trimEnd(), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows, machine) {
  const lines = [
    '| Scenario | Metric | Herald | Baseline | Herald / baseline |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((row) => {
      const [scenario, metric, herald, baseline, ratio, better] = cells(row);
      return `| ${scenario} | ${metric} | ${herald} | ${baseline} | ${ratio} (${better}) |`;
    }),
  ];
  return [...lines, '', `Machine: ${machineLine(machine)}.`].join('\n');
}

export function machineLine(machine) {
  return `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${
    machine.pinned ? 'server pinned to CPU 0 and load to CPU 1 (taskset)' : 'NOT pinned (taskset unavailable or one core)'
  }`;
}

const pct = (n) => `${Math.round(n)}%`;

/** Observations per scenario: CPU use on both sides, incomplete deliveries, closed clients. */
export function scenarioNotes(results) {
  const notes = [];
  for (const [scenario, sides] of Object.entries(results)) {
    if (SCENARIO_SPECS[scenario].notes) {
      notes.push(...SCENARIO_SPECS[scenario].notes(sides));
      continue;
    }
    for (const side of ['herald', 'baseline']) {
      const result = sides[side];
      const who = `${scenario} ${side}`;
      if (!result) continue;
      for (const note of result.notes ?? []) notes.push(`${who}: ${note}`);
      if (result.error) {
        notes.push(`${who}: FAILED: ${result.error.split('\n')[0]}`);
        continue;
      }
      const window = result.details.burst ?? (result.details.serverCpuPercent !== undefined ? result.details : null);
      if (window) {
        let note = `${who}: server CPU ${pct(window.serverCpuPercent)}, load CPU ${pct(window.loadCpuPercent)} of a core while measured`;
        // A CPU is full when its process and other work on it add up to (nearly) all of it.
        const loadFull = window.loadCpuPercent + (window.otherOnLoadCpuPercent ?? 0) > 90;
        const serverFull = window.serverCpuPercent + (window.otherOnServerCpuPercent ?? 0) > 90;
        if (loadFull) {
          note += serverFull
            ? ' (both CPUs full: a faster server would be capped by the load here)'
            : ' (LOAD-BOUND: the load CPU was full, the figure understates the server)';
        }
        const other = [window.otherOnServerCpuPercent, window.otherOnLoadCpuPercent];
        if (other.some((p) => p !== null && p > 5)) {
          note += `; other work took ${pct(other[0] ?? 0)} of CPU 0 and ${pct(other[1] ?? 0)} of CPU 1 (contention: figures are noisier)`;
        }
        notes.push(note);
      }
      const { burst, latency, subscribersClosed, publisherErrors, firstPublisherError } = result.details;
      if (publisherErrors) notes.push(`${who}: the publisher got ${publisherErrors} errors, first: ${firstPublisherError}`);
      if (burst && !burst.complete) notes.push(`${who}: burst delivered ${burst.delivered} of ${burst.expected}`);
      const quiet = latency?.window;
      if (quiet && Math.max(quiet.otherOnServerCpuPercent ?? 0, quiet.otherOnLoadCpuPercent ?? 0) > 5) {
        notes.push(
          `${who}: during the latency phase other work took ${pct(quiet.otherOnServerCpuPercent ?? 0)} of CPU 0 ` +
            `and ${pct(quiet.otherOnLoadCpuPercent ?? 0)} of CPU 1 (p99 is the first figure to suffer)`,
        );
      }
      if (latency && !latency.complete) notes.push(`${who}: latency phase delivered ${latency.delivered} of ${latency.expected}`);
      if (subscribersClosed) notes.push(`${who}: the server closed ${subscribersClosed} subscribers during the run`);
    }
  }
  return notes;
}

export const FIXED_NOTES = [
  'Baseline WS: the seed\'s ws broadcast server (server.clients.forEach(client.send(message))) without its per-message console.log; like the seed it echoes the received Buffer, so it sends binary frames.',
  'Baseline SSE: Express 5 hub with the seed\'s headers (flushed at once), res.write(`data: ${JSON.stringify(data)}\\n\\n`) per client per event, 202; no CORS middleware, no timer.',
  'Baseline SSE replay: the same hub keeping every event in an array (ids 1, 2, 3...) and answering Last-Event-ID with all later events in one string, one res.write (the one-shot replay).',
  'Herald: built apps run with node dist/main.js on the in-memory bus, LOG_LEVEL=warn, RATE_LIMIT=0, MAX_BUFFERED_BYTES=64 MiB; sse-replay with the default MAX_BUFFERED_BYTES (1 MiB) and HISTORY_SIZE=max(1000, REPLAY_N).',
  'Fan-out: burst rate = deliveries / (first send -> last delivery); CPU = server utime+stime over the same window (per-thread schedstat, ns resolution); latency = send -> receive in the one load process during the paced phase.',
  'Idle memory: median of 5 VmRSS samples after a pause, before and after opening the connections (after a warm-up), divided by their number; WS clients join no room, SSE clients subscribe to a quiet topic.',
  'Replay: events/s = readers x REPLAY_N / (readers open -> last reader has all N, each checked complete and in order); peak RSS growth = highest VmRSS sampled every 10 ms (from before the readers open until a settle after) minus the median before, at least one 4 KiB page.',
  'Setup: Herald WS counts a connection at `welcome`, the baseline at `open`; Herald SSE at headers + first bytes, the baseline (which writes nothing before the first event) at headers.',
];

export function writeJson(file, data) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
