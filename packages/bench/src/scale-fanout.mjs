// One multi-process fan-out run against a server that is already up: N subscribers over
// the fleet, a warm-up until every one of them has had a message, the server's RSS per
// connection, a burst (deliveries/s, server CPU per delivery) and a paced phase (p50/p99
// from the merged histograms). Both sides speak the same protocol: WS on the seed route
// `/` (raw text; Herald's gateway serves it, its members get no presence frames), SSE on
// /sse?topic=bench with POST /publish.
import WebSocket from 'ws';
import { epochMs, epochStamp } from './load/scale-stamp.mjs';
import { pool, quiesce, sleep } from './load/common.mjs';
import { publisher } from './load/sse-publish.mjs';
import { cpuDelta, readCpu, readCpuBusy, sampleRss } from './proc-stats.mjs';
import { startFleet } from './scale-fleet.mjs';

const noop = () => {};

function wsPublisher(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', noop);
      // Its own copies of the broadcast are not counted, only drained.
      ws.on('message', noop);
      resolve({ publish: async (text) => ws.send(text), close: () => ws.terminate() });
    });
  });
}

function ssePublisher(port, publishConcurrency) {
  const pub = publisher({ port, publishConcurrency });
  return { publish: (text) => pub.publish('bench', { t: text }), close: () => pub.close() };
}

/** A measured window: server and load CPU from /proc, and what else ran on each pinned CPU. */
function cpuWindow(serverPid, fleet) {
  const server = readCpu(serverPid);
  const load = fleet.readCpu();
  const busy = readCpuBusy();
  const began = epochMs();
  return (endAt = epochMs()) => {
    const elapsedMs = epochMs() - began;
    const serverMicros = cpuDelta(server, readCpu(serverPid)).micros;
    const loadMicros = fleet.readCpu().map((now, i) => cpuDelta(load[i], now).micros);
    const busyNow = readCpuBusy();
    const loadTotal = loadMicros.reduce((a, b) => a + b, 0);
    const other = (cpu, own) =>
      busy[cpu] === undefined || elapsedMs < 500 ? null : Math.max(0, (busyNow[cpu] - busy[cpu] - own) / 10 / elapsedMs);
    return {
      wallMs: endAt - began,
      serverCpuMicros: serverMicros,
      serverCpuPercent: serverMicros / 10 / elapsedMs,
      loadCpuPercent: loadTotal / 10 / elapsedMs,
      loadCpuPercentPerProcess: loadMicros.map((m) => m / 10 / elapsedMs),
      otherOnServerCpuPercent: other('0', serverMicros),
      otherOnLoadCpuPercent: other('1', loadTotal),
    };
  };
}

/**
 * `run`: transport, kind, port, serverPid, n, burst, rate, duration, perLoad,
 * concurrency, publishConcurrency, loadCpu (null: unpinned), quick.
 */
export async function fleetFanout(run) {
  const { transport, n, burst, rate, duration, serverPid } = run;
  const settleMs = run.quick ? 300 : 1000;
  const rssBefore = await sampleRss(serverPid);
  const connectMs = 120_000 + n * 10;
  const fleet = await startFleet(
    n,
    run.perLoad,
    { transport, kind: run.kind, port: run.port, concurrency: run.concurrency, hardTimeoutMs: connectMs + 600_000 },
    run.loadCpu,
    connectMs,
  );
  let pub;
  try {
    pub = transport === 'ws' ? await wsPublisher(run.port) : ssePublisher(run.port, run.publishConcurrency);
    // Every subscriber must be in before anything is measured (the gateway's seed route
    // joins its lobby after the upgrade, the naive hub adds a stream before its head).
    // One warm-up a second: at 18k a slow server takes about that to fan one out.
    let lastWarmup = 0;
    await fleet.until(
      () => {
        if (fleet.totals().warmed >= n) return true;
        if (Date.now() - lastWarmup >= 1000) {
          lastWarmup = Date.now();
          pub.publish(epochStamp('W')).catch(noop);
        }
        return false;
      },
      `a warm-up message at all ${n} subscribers`,
      60_000,
      20,
    );
    await quiesce(() => fleet.totals().frames, settleMs, 120_000);
    const rssAfter = await sampleRss(serverPid);

    let burstWindow = null;
    let burstDelivered = 0;
    if (burst > 0) {
      const end = cpuWindow(serverPid, fleet);
      if (transport === 'ws') for (let i = 0; i < burst; i++) pub.publish(epochStamp('B'));
      else await pool(burst, run.publishConcurrency, () => pub.publish(epochStamp('B')));
      await fleet
        .until(() => fleet.totals().burst >= n * burst, 'the burst', 120_000 + (n * burst) / 20)
        .catch(noop);
      const totals = fleet.totals();
      burstDelivered = totals.burst;
      burstWindow = end(totals.lastBurstAt);
      await quiesce(() => fleet.totals().frames, settleMs, 300_000);
    }

    const endLatency = cpuWindow(serverPid, fleet);
    const inFlight = [];
    const total = Math.max(1, Math.round(rate * duration));
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 1) await sleep(wait);
      inFlight.push(pub.publish(epochStamp('L')));
    }
    await Promise.all(inFlight);
    await fleet.until(() => fleet.totals().latency >= total * n, 'the paced phase', 120_000 + total * n / 20).catch(noop);
    const latencyWindow = endLatency();
    const { histogram, perProcess } = await fleet.finish();
    const closed = perProcess.reduce((a, p) => a + p.closed, 0);
    return {
      metrics: {
        burstRate: burstWindow ? burstDelivered / (burstWindow.wallMs / 1000) : undefined,
        cpuPerDelivery: burstWindow ? burstWindow.serverCpuMicros / burstDelivered : undefined,
        p50Ms: histogram.percentile(50),
        p99Ms: histogram.percentile(99),
        rssPerConnection: (rssAfter.median - rssBefore.median) / n,
      },
      details: {
        n,
        loadProcesses: perProcess.length,
        burst: burstWindow && { expected: n * burst, delivered: burstDelivered, complete: burstDelivered >= n * burst, ...burstWindow },
        latency: {
          sent: total,
          expected: total * n,
          delivered: histogram.count,
          complete: histogram.count >= total * n,
          maxMs: histogram.max,
          window: latencyWindow,
        },
        rss: { before: rssBefore.median, after: rssAfter.median },
        subscribersClosed: closed,
        perProcess,
      },
    };
  } finally {
    pub?.close();
    await fleet.stop();
  }
}
