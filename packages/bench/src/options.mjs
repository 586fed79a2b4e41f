// Bench options: flags win over environment variables, which win over defaults.
// `--quick` swaps in tiny defaults so the whole run takes seconds (the smoke test uses it).

export const SCENARIOS = ['ws-fanout', 'sse-fanout', 'pusher-fanout', 'ws-idle', 'sse-idle', 'ws-setup', 'sse-setup', 'sse-replay'];
/** Run only when named in --only: minutes long (scale, storm) or needing a Redis (redis, storm). */
export const OPT_IN_SCENARIOS = ['scale', 'redis', 'storm'];
const KNOWN_SCENARIOS = [...SCENARIOS, ...OPT_IN_SCENARIOS];

const NUMBERS = {
  N: { flag: 'n', full: 1000, quick: 20, min: 1, max: 10_000, help: 'fan-out subscribers' },
  BURST: { flag: 'burst', full: 1000, quick: 50, min: 1, max: 1_000_000, help: 'messages in the burst' },
  RATE: { flag: 'rate', full: 50, quick: 50, min: 1, max: 10_000, help: 'messages/s in the latency phase' },
  DURATION: { flag: 'duration', full: 5, quick: 1, min: 0.1, max: 600, fraction: true, help: 'seconds of the latency phase' },
  IDLE_N: { flag: 'idle-n', full: 5000, quick: 50, min: 1, max: 15_000, help: 'idle connections per transport' },
  SETUP_N: { flag: 'setup-n', full: 2000, quick: 50, min: 1, max: 15_000, help: 'connections opened in the setup test' },
  CONCURRENCY: { flag: 'concurrency', full: 50, quick: 10, min: 1, max: 1000, help: 'connection attempts in flight' },
  PUBLISH_CONCURRENCY: { flag: 'publish-concurrency', full: 4, quick: 4, min: 1, max: 64, help: 'SSE POST /publish in flight' },
  REPLAY_N: { flag: 'replay-n', full: 10_000, quick: 200, min: 1, max: 1_000_000, help: 'events in the history a resume replays' },
  // Herald refuses a publish over MAX_MESSAGE_BYTES (default 64 KiB); the bench keeps well under it.
  REPLAY_BYTES: { flag: 'replay-bytes', full: 2048, quick: 256, min: 16, max: 60_000, help: 'characters of data per replayed event' },
  REPLAY_READERS: { flag: 'replay-readers', full: 4, quick: 2, min: 1, max: 1000, help: 'resuming streams that read the replay' },
  REPLAY_STALLED: { flag: 'replay-stalled', full: 4, quick: 1, min: 0, max: 1000, help: 'resuming streams that never read' },
  // scale and redis (scale.mjs, redis-scenario.mjs); SCALE_NS is a list, read below.
  SCALE_PER_LOAD: { flag: 'scale-per-load', full: 6000, quick: 50, min: 1, max: 1_000_000, help: 'subscribers per load process (scale, redis)' },
  SCALE_BURST: { flag: 'scale-burst', full: 200, quick: 20, min: 1, max: 100_000, help: 'messages in the scale burst' },
  REDIS_N: { flag: 'redis-n', full: 1000, quick: 20, min: 1, max: 18_000, help: 'subscribers in the Redis latency runs' },
  REDIS_STEP_SECONDS: { flag: 'redis-step-seconds', full: 3, quick: 0.5, min: 0.1, max: 60, fraction: true, help: 'seconds per concurrency step of the Redis publish ramp' },
  // Server A holds every storm client in one process: 18,000 is what a 20,000 open-files limit allows.
  STORM_N: { flag: 'storm-n', full: 8000, quick: 100, min: 1, max: 18_000, help: 'storm clients on server A (WS, then SSE)' },
  STORM_ROOMS: { flag: 'storm-rooms', full: 160, quick: 4, min: 1, max: 10_000, help: 'rooms (topics) the storm clients are spread over' },
  STORM_RATE: { flag: 'storm-rate', full: 100, quick: 20, min: 1, max: 5000, help: 'acknowledged messages/s published through B during the storm' },
  // The web client's first ceiling (packages/web DEFAULT_BACKOFF.initialMs); it doubles up to 30 s.
  STORM_BACKOFF_MS: { flag: 'storm-backoff-ms', full: 500, quick: 500, min: 1, max: 30_000, help: "ceiling of the storm clients' first reconnect delay, ms (full jitter)" },
  STORM_EXISTING: { flag: 'storm-existing', full: 200, quick: 20, min: 1, max: 5000, help: "B's own clients, whose p99 the storm reports" },
};

const SCALE_NS = { flag: 'scale-ns', full: '1000,5000,18000', quick: '50,100' };

export class OptionsError extends Error {}

export function usage() {
  const lines = Object.entries(NUMBERS).map(
    ([env, o]) => `  --${o.flag}=<n>  (env ${env}, default ${o.full}, quick ${o.quick})  ${o.help}`,
  );
  return [
    'usage: pnpm bench [--quick] [--only=<scenario,...>] [--json=<file>] [options]',
    ...lines,
    `  --${SCALE_NS.flag}=<n,...>  (env SCALE_NS, default ${SCALE_NS.full}, quick ${SCALE_NS.quick})  subscriber counts of the scale scenario`,
    `  --only=<list>  (env ONLY) any of ${SCENARIOS.join(', ')}; also ${OPT_IN_SCENARIOS.join(', ')} (only when named; redis and storm need a Redis)`,
    '  REDIS_URL  the Redis of the redis scenario (default redis://127.0.0.1:6379; its keys get a fresh REDIS_PREFIX)',
    '  STORM_REDIS_URL  the Redis of the storm scenario (default redis://127.0.0.1:6379)',
    '  --json=<file>  (env BENCH_JSON) where to write the results (default bench-results/bench-<timestamp>.json)',
  ].join('\n');
}

function parseFlags(argv) {
  const flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new OptionsError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    if (eq !== -1) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === '--quick' || arg === '--help') flags.set(arg.slice(2), 'true');
    else if (i + 1 < argv.length) flags.set(arg.slice(2), argv[++i]);
    else throw new OptionsError(`${arg} needs a value`);
  }
  return flags;
}

function toNumber(name, text, spec) {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < spec.min || n > spec.max) {
    throw new OptionsError(`${name} must be a number from ${spec.min} to ${spec.max}, got "${text}"`);
  }
  return spec.fraction ? n : Math.round(n);
}

/** Reads options from argv (without node and script) and env; throws OptionsError on bad input. */
export function readOptions(argv, env) {
  const flags = parseFlags(argv);
  const known = new Set(['quick', 'help', 'only', 'json', SCALE_NS.flag, ...Object.values(NUMBERS).map((o) => o.flag)]);
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new OptionsError(`unknown option --${name}`);
  }
  const quick = flags.has('quick') || env.QUICK === '1';
  const options = { quick, help: flags.has('help') };
  for (const [envName, spec] of Object.entries(NUMBERS)) {
    const text = flags.get(spec.flag) ?? env[envName];
    options[camel(envName)] = text === undefined ? (quick ? spec.quick : spec.full) : toNumber(envName, text, spec);
  }
  const only = flags.get('only') ?? env.ONLY;
  options.scenarios = only === undefined ? SCENARIOS : only.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of options.scenarios) {
    if (!KNOWN_SCENARIOS.includes(s)) throw new OptionsError(`unknown scenario "${s}" (known: ${KNOWN_SCENARIOS.join(', ')})`);
  }
  options.scaleNs = readList('SCALE_NS', flags.get(SCALE_NS.flag) ?? env.SCALE_NS ?? (quick ? SCALE_NS.quick : SCALE_NS.full));
  options.redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
  options.json = flags.get('json') ?? env.BENCH_JSON;
  return options;
}

/** A comma list of subscriber counts, each 1..1,000,000 (the open-file check comes later, in scale.mjs). */
function readList(name, text) {
  const parts = text.split(',').map((p) => p.trim());
  const ns = parts.map((p) => Number(p));
  if (parts.length === 0 || ns.some((n, i) => parts[i] === '' || !Number.isInteger(n) || n < 1 || n > 1_000_000)) {
    throw new OptionsError(`${name} must be a comma list of whole numbers from 1 to 1000000, got "${text}"`);
  }
  return ns;
}

function camel(envName) {
  return envName.toLowerCase().replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}
