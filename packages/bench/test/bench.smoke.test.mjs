// Runs `pnpm bench` in quick mode end to end (real servers, real sockets) and checks the
// JSON it writes: every scenario, both sides, every metric a positive number. No timing
// thresholds: this proves the harness measures, not how fast anything is.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../src/options.mjs';
import { SCENARIO_SPECS } from '../src/scenarios.mjs';

const RUN = fileURLToPath(new URL('../src/run.mjs', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, ...args], { env: { ...process.env, ...env }, timeout: 220_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('pnpm bench --quick', () => {
  it('measures every scenario for Herald and the baseline', async () => {
    const json = path.join(dir, 'quick.json');
    const { code, stdout, stderr } = await runBench(['--quick', `--json=${json}`], {
      N: '20', BURST: '50', RATE: '50', DURATION: '1', IDLE_N: '100', SETUP_N: '50',
      REPLAY_N: '200', REPLAY_BYTES: '256', REPLAY_READERS: '2', REPLAY_STALLED: '1',
    });
    expect(code, `bench failed:\n${stdout}\n${stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));

    expect(Object.keys(report.results).sort()).toEqual([...SCENARIOS].sort());
    for (const scenario of SCENARIOS) {
      for (const side of ['herald', 'baseline']) {
        const result = report.results[scenario][side];
        expect(result.error, `${scenario} ${side}`).toBeUndefined();
        for (const { key } of SCENARIO_SPECS[scenario].metrics) {
          const value = result.metrics[key];
          expect(Number.isFinite(value) && value > 0, `${scenario} ${side} ${key} = ${value}`).toBe(true);
        }
      }
    }
    // Every delivery of the burst arrived on both sides (the rate is only meaningful then).
    for (const scenario of ['ws-fanout', 'sse-fanout', 'pusher-fanout']) {
      for (const side of ['herald', 'baseline']) {
        const { burst, latency } = report.results[scenario][side].details;
        expect(burst.delivered, `${scenario} ${side}`).toBe(20 * 50);
        expect(latency.delivered, `${scenario} ${side}`).toBe(latency.expected);
      }
    }
    // Every reader got the whole replay (the run fails otherwise), and peak RSS growth came
    // from real readings of the server: its floor of one page keeps it positive, these
    // keep it honest.
    for (const side of ['herald', 'baseline']) {
      const { delivered, expected, rss } = report.results['sse-replay'][side].details;
      expect(expected, side).toBe(2 * 200);
      expect(delivered, side).toBe(expected);
      expect(rss.samples, side).toBeGreaterThan(0);
      expect(rss.before, side).toBeGreaterThan(0);
      expect(rss.peak, side).toBeGreaterThanOrEqual(rss.before);
    }
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.markdown).toContain('| Scenario | Metric | Herald | Baseline |');
    expect(stdout).toContain('herald/baseline');
  });

  it('refuses an unknown option with a clear message and exit code 2', async () => {
    const { code, stderr } = await runBench(['--bogus=1'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option --bogus');
  });
});
