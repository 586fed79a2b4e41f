// The scale and redis scenarios in quick mode, end to end (real servers, several load
// processes, the shared Redis), and the parts they stand on: the histogram merge, the
// load split and the open-file check. No timing thresholds: every figure must only be
// there, positive and finite, for both sides.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_TEST_URL, redisAvailable } from '@herald/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { LogHistogram } from '../src/load/scale-histogram.mjs';
import { FD_MARGIN, checkFdBudget, hardFdLimit } from '../src/scale.mjs';
import { sourceAddress, splitLoad } from '../src/scale-fleet.mjs';

const RUN = fileURLToPath(new URL('../src/run.mjs', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, ...args], { env: { ...process.env, ...env }, timeout: 230_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const positive = (value) => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('LogHistogram', () => {
  it('merges bucket counts, so percentiles of the merge are those of all samples', () => {
    const odd = new LogHistogram();
    const even = new LogHistogram();
    const all = new LogHistogram();
    for (let ms = 1; ms <= 1000; ms++) {
      (ms % 2 ? odd : even).add(ms);
      all.add(ms);
    }
    const merged = LogHistogram.fromJSON(JSON.parse(JSON.stringify(odd))).merge(even);
    expect(merged.count).toBe(1000);
    for (const p of [50, 90, 99, 100]) expect(merged.percentile(p)).toBe(all.percentile(p));
    // Within a bucket (1%) of the exact rank, never below it.
    for (const [p, exact] of [[50, 500], [99, 990]]) {
      expect(merged.percentile(p)).toBeGreaterThanOrEqual(exact);
      expect(merged.percentile(p)).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(merged.percentile(100)).toBe(1000);
  });

  it('is empty until a sample comes, and keeps zero and bad values in its lowest bucket', () => {
    const h = new LogHistogram();
    expect(h.percentile(50)).toBeNull();
    h.add(0);
    h.add(Number.NaN);
    expect(h.count).toBe(2);
    expect(h.percentile(50)).toBeLessThanOrEqual(0.001);
  });
});

describe('the load split and the open-file check', () => {
  it('splits N evenly over as few load processes as SCALE_PER_LOAD allows, each on its own address', () => {
    expect(splitLoad(18_000, 6000)).toEqual([6000, 6000, 6000]);
    expect(splitLoad(101, 50)).toEqual([34, 34, 33]);
    expect(splitLoad(20, 50)).toEqual([20]);
    expect(new Set([0, 1, 2].map(sourceAddress)).size).toBe(3);
    expect(sourceAddress(0)).not.toBe('127.0.0.1');
  });

  it('reads the hard limit from /proc limits text', () => {
    expect(hardFdLimit('Max open files            1024                 20000                files\n')).toBe(20_000);
    expect(hardFdLimit('Max open files            unlimited            unlimited            files\n')).toBe(Infinity);
    expect(hardFdLimit('nothing here')).toBeNull();
  });

  it('refuses an N one server process cannot hold, naming N, the limit and the most it allows', () => {
    expect(checkFdBudget([1000, 18_000], 6000, 20_000)).toBe(20_000);
    expect(() => checkFdBudget([1000, 19_900], 6000, 20_000)).toThrow(/N=19900 .*20000.*N=19744/);
    expect(() => checkFdBudget([1000], 19_900, 20_000)).toThrow(/SCALE_PER_LOAD=19900/);
    expect(19_744).toBe(20_000 - FD_MARGIN);
  });

  it('refuses it in pnpm bench before any server starts (exit code 2)', async (context) => {
    const limit = hardFdLimit();
    if (limit === null || limit === Infinity || limit >= 1_000_000) {
      console.log(`skipping: the hard open-file limit here (${limit}) holds any N the options accept`);
      context.skip();
    }
    const { code, stdout, stderr } = await runBench(['--only=scale', '--scale-ns=1000,1000000']);
    expect(code).toBe(2);
    expect(stderr).toContain('N=1000000 needs more than the hard open-file limit');
    expect(stdout).not.toContain('scale ws');
  });

  it('refuses a malformed SCALE_NS with a clear message', async () => {
    const { code, stderr } = await runBench(['--only=scale'], { SCALE_NS: '1000,lots' });
    expect(code).toBe(2);
    expect(stderr).toContain('SCALE_NS must be a comma list of whole numbers');
  });
});

describe('pnpm bench --quick --only=scale,redis', () => {
  it('measures every N of both transports, and Redis against the memory bus, for both sides', async () => {
    const withRedis = await redisAvailable();
    const only = withRedis ? 'scale,redis' : 'scale';
    const json = path.join(dir, 'scale.json');
    const { code, stdout, stderr } = await runBench(['--quick', `--only=${only}`, `--json=${json}`], {
      SCALE_NS: '20,60', SCALE_PER_LOAD: '25', SCALE_BURST: '10', RATE: '50', DURATION: '1',
      REDIS_N: '10', REDIS_STEP_SECONDS: '0.3', REDIS_URL: REDIS_TEST_URL,
    });
    expect(code, `bench failed:\n${stdout}\n${stderr}`).toBe(0);
    const { results, rows } = JSON.parse(readFileSync(json, 'utf8'));

    expect(Object.keys(results.scale).sort()).toEqual(['sse N=20', 'sse N=60', 'ws N=20', 'ws N=60']);
    for (const [key, sides] of Object.entries(results.scale)) {
      const n = Number(key.split('=')[1]);
      for (const side of ['herald', 'baseline']) {
        const { metrics, details, error } = sides[side];
        expect(error, `${key} ${side}`).toBeUndefined();
        for (const name of ['burstRate', 'cpuPerDelivery', 'p50Ms', 'p99Ms', 'rssPerConnection']) {
          expect(positive(metrics[name]), `${key} ${side} ${name} = ${metrics[name]}`).toBe(true);
        }
        // 60 subscribers at 25 a process: three load processes, every delivery counted once.
        expect(details.loadProcesses, `${key} ${side}`).toBe(Math.ceil(n / 25));
        expect(details.perProcess.reduce((a, p) => a + p.subscribers, 0)).toBe(n);
        expect(details.burst.delivered, `${key} ${side}`).toBe(n * 10);
        expect(details.latency.delivered, `${key} ${side}`).toBe(details.latency.expected);
      }
    }
    expect(rows.filter((r) => r.scenario.startsWith('Scale ')).length).toBe(4 * 5);

    if (!withRedis) return;
    for (const transport of ['ws', 'sse']) {
      for (const side of ['herald', 'baseline']) {
        const result = results.redis[`${transport} latency`][side];
        expect(result.error, `redis ${transport} ${side}`).toBeUndefined();
        expect(positive(result.metrics.p50Ms) && positive(result.metrics.p99Ms), `redis ${transport} ${side}`).toBe(true);
        expect(result.details.latency.delivered).toBe(result.details.latency.expected);
      }
    }
    const ramp = results.redis['publish ramp'].herald;
    expect(ramp.error).toBeUndefined();
    expect(positive(ramp.metrics.publishesPerSecond)).toBe(true);
    expect(ramp.details.steps.every((s) => s.refused === 0 && s.failed === 0)).toBe(true);
  });
});
