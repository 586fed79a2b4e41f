import { redisNotes, redisRows } from './redis-report.mjs';
import { scaleNotes, scaleRows } from './scale-report.mjs';

// Shared by the WS and SSE variant of each kind of scenario.
const FANOUT_METRICS = [
  { key: 'burstRate', label: 'burst deliveries/s', unit: 'msg/s', better: 'higher' },
  { key: 'cpuPerDelivery', label: 'server CPU per delivery', unit: 'µs', better: 'lower' },
  { key: 'p50Ms', label: 'p50 latency at RATE msg/s', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'p99 latency at RATE msg/s', unit: 'ms', better: 'lower' },
];
const IDLE_METRICS = [{ key: 'bytesPerConnection', label: 'server RSS per idle connection', unit: 'KB', scale: 1 / 1024, better: 'lower' }];
const SETUP_METRICS = [
  { key: 'connectionsPerSecond', label: 'connections/s', unit: 'conn/s', better: 'higher' },
  { key: 'cpuPerConnection', label: 'server CPU per connection', unit: 'µs', better: 'lower' },
];
const STORM_METRICS = [
  { key: 'back50Ms', label: 'time until 50% are back on B', unit: 's', scale: 1 / 1000, better: 'lower' },
  { key: 'back99Ms', label: 'time until 99% are back on B', unit: 's', scale: 1 / 1000, better: 'lower' },
  { key: 'peakServerCpu', label: "B's peak CPU (250 ms samples)", unit: '% of a core', better: 'lower' },
  { key: 'p99BeforeMs', label: "p99 of B's existing clients before", unit: 'ms', better: 'lower' },
  { key: 'p99DuringMs', label: "p99 of B's existing clients during the storm", unit: 'ms', better: 'lower' },
  // Asserted 0: the run fails otherwise.
  { key: 'lost', label: 'acknowledged deliveries lost', unit: 'msgs', better: 'lower' },
];

// What each scenario reports: metric keys (as the load process returns them), labels,
// units and which direction is better.
export const SCENARIO_SPECS = {
  'ws-fanout': {
    title: 'WS fan-out',
    metrics: FANOUT_METRICS,
  },
  'sse-fanout': {
    title: 'SSE fan-out',
    metrics: FANOUT_METRICS,
  },
  'ws-idle': {
    title: 'WS idle memory',
    metrics: IDLE_METRICS,
  },
  'sse-idle': {
    title: 'SSE idle memory',
    metrics: IDLE_METRICS,
  },
  'ws-setup': {
    title: 'WS connection setup',
    metrics: SETUP_METRICS,
  },
  'sse-setup': {
    title: 'SSE connection setup',
    metrics: SETUP_METRICS,
  },
  'pusher-fanout': {
    title: 'Pusher fan-out (protocol 7)',
    metrics: FANOUT_METRICS,
  },
  'sse-replay': {
    title: 'SSE paged replay',
    metrics: [
      { key: 'eventsPerSecond', label: 'replayed events/s', unit: 'events/s', better: 'higher' },
      // Floored at one page (load/sse-replay.mjs PAGE_BYTES): growth VmRSS cannot see is not 0.
      { key: 'peakRssGrowth', label: 'server peak RSS growth', unit: 'MiB', scale: 1 / (1024 * 1024), better: 'lower' },
    ],
  },
  // Multi-process scenarios (scale.mjs, redis-scenario.mjs): their own rows and notes.
  scale: { title: 'Scale', rows: scaleRows, notes: scaleNotes },
  redis: { title: 'Redis', rows: redisRows, notes: redisNotes },
  // The storm (storm.mjs) runs Herald only and writes these two.
  'storm-ws': { title: 'Reconnect storm (WS)', metrics: STORM_METRICS },
  'storm-sse': { title: 'Reconnect storm (SSE)', metrics: STORM_METRICS },
};

/** Generous upper bound for one load run, so a hung server cannot hang the bench. */
export function hardTimeoutMs(scenario, options) {
  const base = 120_000;
  if (scenario.endsWith('-fanout')) {
    return base + (options.n * options.burst) / 5 + options.duration * 3000 + options.n * 50;
  }
  if (scenario.endsWith('-idle')) return base + options.idleN * 20;
  if (scenario === 'sse-replay') {
    // Publishing one event at a time, then every stream replaying all of them.
    return base + options.replayN * (2 + (options.replayReaders + options.replayStalled) * 0.5);
  }
  return base + options.setupN * 20;
}
