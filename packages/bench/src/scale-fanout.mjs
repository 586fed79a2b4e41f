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

function wsConnection(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', noop);
      // Its own copies of the broadcast are not counted, only drained.
      ws.on('message', noop);
      resolve(ws);
    });
  });
}

/**
 * PUBLISH_CONCURRENCY connections taking turns, as the SSE side has that many POSTs in
 * flight: the gateway runs one connection's messages one after another (Connection
 * schedule), so through Redis a single connection publishes at most one per round trip.
 */
async function wsPublisher(port, connections) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => wsConnection(port)));
  let next = 0;
  return {
    publish: async (text) => sockets[next++ % sockets.length].send(text),
    close: () => sockets.forEach((ws) => ws.terminate()),
  };
}

/**
 * POST /publish over keep-alive sockets; a fresh pool for each phase (`fresh`), so no
 * phase reuses a socket the server may be closing after sitting idle in a long settle.
 */
function ssePublisher(port, publishConcurrency) {
  let pub = publisher({ port, publishConcurrency });
  return {
    publish: (text) => pub.publish('bench', { t: text }),
    fresh() {
      pub.close();
      pub = publisher({ port, publishConcurrency });
    },
    close: () => pub.close(),
  };
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
    pub = transport === 'ws' ? await wsPublisher(run.port, run.publishConcurrency) : ssePublisher(run.port, run.publishConcurrency);
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

    // A refused or reset publish is counted and reported, not fatal: an overloaded
    // baseline doing that is a finding (the deliveries expected shrink by its share).
    const publishFailures = { count: 0, first: null };
    const failed = (error) => {
      publishFailures.count++;
      publishFailures.first ??= error.message;
    };
    let burstWindow = null;
    let burstDelivered = 0;
    let burstFailures = 0;
    if (burst > 0) {
      pub.fresh?.();
      const end = cpuWindow(serverPid, fleet);
      if (transport === 'ws') for (let i = 0; i < burst; i++) pub.publish(epochStamp('B'));
      else await pool(burst, run.publishConcurrency, () => pub.publish(epochStamp('B')).catch(failed));
      await fleet
        .until(() => fleet.totals().burst >= n * (burst - publishFailures.count), 'the burst', 120_000 + (n * burst) / 20)
        .catch(noop);
      const totals = fleet.totals();
      burstDelivered = totals.burst;
      burstWindow = end(totals.lastBurstAt);
      burstFailures = publishFailures.count;
      await quiesce(() => fleet.totals().frames, settleMs, 300_000);
    }

    pub.fresh?.();
    const endLatency = cpuWindow(serverPid, fleet);
    const inFlight = [];
    const total = Math.max(1, Math.round(rate * duration));
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 1) await sleep(wait);
      inFlight.push(pub.publish(epochStamp('L')).catch(failed));
    }
    await Promise.all(inFlight);
    const pacedFailures = publishFailures.count - burstFailures;
    const pacedExpected = (total - pacedFailures) * n;
    await fleet.until(() => fleet.totals().latency >= pacedExpected, 'the paced phase', 120_000 + total * n / 20).catch(noop);
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
        burst: burstWindow && {
          expected: n * (burst - burstFailures),
          delivered: burstDelivered,
          complete: burstDelivered >= n * (burst - burstFailures),
          failedPublishes: burstFailures,
          ...burstWindow,
        },
        latency: {
          sent: total,
          failedPublishes: pacedFailures,
          expected: pacedExpected,
          delivered: histogram.count,
          complete: histogram.count >= pacedExpected,
          maxMs: histogram.max,
          window: latencyWindow,
        },
        rss: { before: rssBefore.median, after: rssAfter.median },
        subscribersClosed: closed,
        firstPublishFailure: publishFailures.first,
        perProcess,
      },
    };
  } finally {
    pub?.close();
    await fleet.stop();
  }
}
