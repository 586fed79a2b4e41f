// Scenarios that run their own servers and several load processes (instead of run.mjs's
// one server + one load process per side): a check before anything starts, then the run.
import { runRedis } from './redis-scenario.mjs';
import { preflightScale, runScale } from './scale.mjs';

/** Whether a multi-process scenario's result holds a failed run. */
export function failuresIn(results) {
  let failed = 0;
  for (const sides of Object.values(results)) for (const side of Object.values(sides)) if (side?.error) failed++;
  return failed;
}

export const MULTI_PROCESS = {
  scale: { preflight: preflightScale, run: runScale },
  redis: { preflight: (options) => preflightScale({ ...options, scaleNs: [options.redisN] }), run: runRedis },
};
