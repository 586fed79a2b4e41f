// The redis scenario's publish ramp: POST /publish split evenly over two event-stream
// instances that share one Redis, at growing concurrency, until acked publishes/s stop
// growing. One SSE stream per instance reads the topic, so each publish also crosses
// Redis back to both instances (as in a deployment). Prints `RESULT <json>`.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { cpuDelta, readCpu } from '../proc-stats.mjs';
import { openSseSocket } from './sse-stream.mjs';

const cfg = JSON.parse(process.argv[2] ?? '{}');
/** A step gaining less than this over the best so far counts toward the plateau. */
const PLATEAU_GAIN = 1.05;

function publishLoop(port, agent, state) {
  const body = JSON.stringify({ topic: 'ramp', data: { n: 1 } });
  return new Promise((resolve) => {
    function once() {
      if (performance.now() >= state.until) return resolve();
      const req = http.request(
        { host: '127.0.0.1', port, path: '/publish', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 202) state.acked++;
            else state.refused++;
            once();
          });
        },
      );
      req.on('error', () => {
        state.failed++;
        once();
      });
      req.end(body);
    }
    once();
  });
}

/** Cumulative CPU µs of the processes watched (null pid: not found). */
function cpuOf(pids) {
  return pids.map((pid) => (pid === null ? null : readCpu(pid)));
}

async function step(concurrency) {
  const agents = cfg.ports.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }));
  const state = { acked: 0, refused: 0, failed: 0, until: performance.now() + cfg.stepSeconds * 1000 };
  const watched = [...cfg.serverPids, cfg.redisPid, process.pid];
  const before = cpuOf(watched);
  const began = performance.now();
  // `concurrency` publishes in flight in all, half on each instance.
  const loops = [];
  for (let i = 0; i < concurrency; i++) loops.push(publishLoop(cfg.ports[i % cfg.ports.length], agents[i % agents.length], state));
  await Promise.all(loops);
  const seconds = (performance.now() - began) / 1000;
  const percent = cpuOf(watched).map((now, i) => (now === null ? null : cpuDelta(before[i], now).micros / 10 / (seconds * 1000)));
  for (const agent of agents) agent.destroy();
  return {
    concurrency,
    acked: state.acked,
    refused: state.refused,
    failed: state.failed,
    seconds,
    publishesPerSecond: state.acked / seconds,
    serverCpuPercent: percent.slice(0, cfg.serverPids.length),
    redisCpuPercent: percent[cfg.serverPids.length],
    loadCpuPercent: percent[cfg.serverPids.length + 1],
  };
}

let delivered = 0;
const readers = await Promise.all(
  cfg.ports.map((port) => openSseSocket({ port, path: '/sse?topic=ramp', readyOnHead: false, onBody: (text) => (delivered += text.split('\ndata:').length - 1) })),
);
const steps = [];
let best = 0;
let flat = 0;
for (const concurrency of cfg.concurrencies) {
  const result = await step(concurrency);
  steps.push(result);
  if (result.failed > 0 || result.refused > 0) break;
  if (result.publishesPerSecond < best * PLATEAU_GAIN) flat++;
  else flat = 0;
  best = Math.max(best, result.publishesPerSecond);
  if (flat >= 2) break;
}
for (const socket of readers) socket.destroy();
process.stdout.write(`RESULT ${JSON.stringify({ steps, delivered })}\n`, () => process.exit(0));
