// The load process: runs one scenario against one server (pinned to its own CPU by the
// bench) and prints `RESULT <json>` as its last stdout line. Progress goes to stderr.
import { wsFanout, wsIdle, wsSetup } from './ws-load.mjs';
import { sseFanout, sseIdle, sseSetup } from './sse-load.mjs';
import { sseReplay } from './sse-replay.mjs';
import { pusherFanout } from './pusher-load.mjs';

const SCENARIOS = {
  'ws-fanout': wsFanout,
  'sse-fanout': sseFanout,
  'ws-idle': wsIdle,
  'sse-idle': sseIdle,
  'ws-setup': wsSetup,
  'sse-setup': sseSetup,
  'sse-replay': sseReplay,
  'pusher-fanout': pusherFanout,
};

const cfg = JSON.parse(process.argv[2] ?? '{}');
const scenario = SCENARIOS[cfg.scenario];
if (!scenario) {
  console.error(`load: unknown scenario "${cfg.scenario}"`);
  process.exit(2);
}

// The bench holds our stdin open; when it ends, the bench is gone and so are we.
process.stdin.on('end', () => process.exit(2));
process.stdin.resume();
setTimeout(() => {
  console.error(`load: ${cfg.scenario} still running after ${cfg.hardTimeoutMs} ms, giving up`);
  process.exit(3);
}, cfg.hardTimeoutMs).unref();

try {
  const result = await scenario(cfg);
  result.loadCpu = process.cpuUsage();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
} catch (error) {
  console.error(`load: ${cfg.scenario} against ${cfg.kind}: ${error.stack ?? error}`);
  process.exit(1);
}
