// What each scenario reports: metric keys (as the load process returns them), labels,
// units and which direction is better.
export const SCENARIO_SPECS = {
  'ws-fanout': {
    title: 'WS fan-out',
    metrics: [
      { key: 'burstRate', label: 'burst deliveries/s', unit: 'msg/s', better: 'higher' },
      { key: 'cpuPerDelivery', label: 'server CPU per delivery', unit: 'µs', better: 'lower' },
      { key: 'p50Ms', label: 'p50 latency at RATE msg/s', unit: 'ms', better: 'lower' },
      { key: 'p99Ms', label: 'p99 latency at RATE msg/s', unit: 'ms', better: 'lower' },
    ],
  },
  'sse-fanout': {
    title: 'SSE fan-out',
    metrics: [
      { key: 'burstRate', label: 'burst deliveries/s', unit: 'msg/s', better: 'higher' },
      { key: 'cpuPerDelivery', label: 'server CPU per delivery', unit: 'µs', better: 'lower' },
      { key: 'p50Ms', label: 'p50 latency at RATE msg/s', unit: 'ms', better: 'lower' },
      { key: 'p99Ms', label: 'p99 latency at RATE msg/s', unit: 'ms', better: 'lower' },
    ],
  },
  'ws-idle': {
    title: 'WS idle memory',
    metrics: [{ key: 'bytesPerConnection', label: 'server RSS per idle connection', unit: 'KB', scale: 1 / 1024, better: 'lower' }],
  },
  'sse-idle': {
    title: 'SSE idle memory',
    metrics: [{ key: 'bytesPerConnection', label: 'server RSS per idle connection', unit: 'KB', scale: 1 / 1024, better: 'lower' }],
  },
  'ws-setup': {
    title: 'WS connection setup',
    metrics: [
      { key: 'connectionsPerSecond', label: 'connections/s', unit: 'conn/s', better: 'higher' },
      { key: 'cpuPerConnection', label: 'server CPU per connection', unit: 'µs', better: 'lower' },
    ],
  },
  'sse-setup': {
    title: 'SSE connection setup',
    metrics: [
      { key: 'connectionsPerSecond', label: 'connections/s', unit: 'conn/s', better: 'higher' },
      { key: 'cpuPerConnection', label: 'server CPU per connection', unit: 'µs', better: 'lower' },
    ],
  },
};

/** Generous upper bound for one load run, so a hung server cannot hang the bench. */
export function hardTimeoutMs(scenario, options) {
  const base = 120_000;
  if (scenario.endsWith('-fanout')) {
    return base + (options.n * options.burst) / 5 + options.duration * 3000 + options.n * 50;
  }
  if (scenario.endsWith('-idle')) return base + options.idleN * 20;
  return base + options.setupN * 20;
}
