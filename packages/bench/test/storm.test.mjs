// `pnpm bench --quick --only=storm` end to end: two real gateways (then two event
// streams) on the shared Redis, A drained under its clients. Asserts that the storm
// really happened (every client dropped and came back on B) and that no acknowledged
// message was lost or doubled: a claim about correctness, not speed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_TEST_URL, redisAvailable } from '@herald/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIO_SPECS } from '../src/scenarios.mjs';

const RUN = fileURLToPath(new URL('../src/run.mjs', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-storm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const N = 100;

const haveRedis = await redisAvailable();

function runBench(args, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, ...args], { env: { ...process.env, ...env }, timeout: 220_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!haveRedis)('pnpm bench --quick --only=storm', () => {
  it('fails every client over from A to B without losing an acknowledged message', async () => {
    const json = path.join(dir, 'storm.json');
    const { code, stdout, stderr } = await runBench(['--quick', '--only=storm', `--json=${json}`], {
      STORM_REDIS_URL: REDIS_TEST_URL, STORM_N: String(N), STORM_ROOMS: '4', STORM_RATE: '20', STORM_EXISTING: '20',
    });
    expect(code, `bench failed:\n${stdout}\n${stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(report.results).sort()).toEqual(['storm-sse', 'storm-ws']);
    for (const key of ['storm-ws', 'storm-sse']) {
      const result = report.results[key].herald;
      expect(result.error, key).toBeUndefined();
      for (const { key: metric } of SCENARIO_SPECS[key].metrics) {
        const value = result.metrics[metric];
        if (metric === 'lost') expect(value, `${key} lost`).toBe(0);
        else expect(Number.isFinite(value) && value > 0, `${key} ${metric} = ${value}`).toBe(true);
      }
      const { tally, counts, aExit } = result.details;
      // The storm happened: A drained and exited, every client left it and came back on B.
      expect(aExit.code, key).toBe(0);
      expect(counts.dropped, key).toBe(N);
      expect(counts.back, key).toBe(N);
      // Something was acknowledged, and every client of a room got each such id once.
      expect(tally.expected, key).toBeGreaterThan(0);
      expect(tally.received, key).toBe(tally.expected);
      expect(tally.duplicates, key).toBe(0);
    }
    expect(report.results['storm-ws'].herald.details.counts.closeCodes).toEqual({ 1001: N });
    expect(report.markdown).toContain('| Reconnect storm (WS) |');
  });
});
