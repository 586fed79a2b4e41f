// SSE load: lean raw-socket subscribers (sse-stream.mjs) and POST /publish over a small
// keep-alive pool (sse-publish.mjs).
import { performance } from 'node:perf_hooks';
import {
  BURST_CODE, BURST_PHASE, LATENCY_CODE, LATENCY_PHASE, LatencyRecorder, fanoutResult, measureIdle, measureSetup,
  paced, pool, quiesce, stamp, startWindow, waitUntil,
} from './common.mjs';
import { publisher } from './sse-publish.mjs';
import { markerScanner, openSseSocket } from './sse-stream.mjs';

const noop = () => {};

/**
 * Opens GET /sse?topic=<topic>. Ready: for Herald when headers and the first bytes (its
 * `retry:` line) arrived; for the baseline, which writes nothing until an event, on headers.
 */
function openStream(cfg, topic, onBody) {
  return openSseSocket({ port: cfg.port, path: `/sse?topic=${topic}`, readyOnHead: cfg.kind !== 'herald', onBody });
}

function closeAll(streams) {
  for (const socket of streams) socket.destroy();
}

/** N subscribers on one topic; a burst of BURST publishes, then RATE/s for DURATION s. */
export async function sseFanout(cfg) {
  const { n, burst, rate, duration, concurrency, publishConcurrency, serverPid } = cfg;
  const latency = new LatencyRecorder(n * Math.ceil(rate * duration) + n);
  let chunks = 0;
  let burstDelivered = 0;
  let lastBurstAt = 0;
  let closed = 0;
  function onMarker(phase, text, start, end) {
    if (phase === BURST_CODE) {
      burstDelivered++;
      lastBurstAt = performance.now();
    } else if (phase === LATENCY_CODE) {
      latency.add(Number(text.slice(start, end)));
    }
  }
  const streams = await pool(n, concurrency, async () => {
    const scan = markerScanner(onMarker);
    const socket = await openStream(cfg, 'bench', (text) => {
      chunks++;
      scan(text);
    });
    socket.on('close', () => closed++);
    return socket;
  });
  await quiesce(() => chunks);
  const pub = publisher(cfg);

  const expected = n * burst;
  const window = startWindow(serverPid);
  await pool(burst, publishConcurrency, () => pub.publish('bench', { t: stamp(BURST_PHASE) }));
  const burstComplete = await waitUntil(() => burstDelivered >= expected, () => burstDelivered);
  const burstWindow = window.end(lastBurstAt);
  await quiesce(() => chunks);

  const inFlight = [];
  const latencyWindow = startWindow(serverPid);
  const sent = await paced(rate, duration, () => inFlight.push(pub.publish('bench', { t: stamp(LATENCY_PHASE) }).catch(noop)));
  await Promise.all(inFlight);
  if (pub.failures() > 0) throw new Error(`${pub.failures()} latency-phase publishes failed`);
  const latencyComplete = await waitUntil(() => latency.count >= sent * n, () => latency.count);
  const summary = latency.summary();
  const latencyMeasured = latencyWindow.end();
  const subscribersClosed = closed;
  pub.close();
  closeAll(streams);
  return fanoutResult(
    { expected, burstDelivered, burstComplete, burstWindow, sent, n, latency, latencyComplete, summary, latencyMeasured },
    { subscribersClosed },
  );
}

/** RSS growth of the server per idle stream (subscribed to a quiet topic). */
export function sseIdle(cfg) {
  return measureIdle(cfg, () => openStream(cfg, 'idle', noop), closeAll);
}

/** Streams per second until SETUP_N are open, CONCURRENCY attempts in flight. */
export function sseSetup(cfg) {
  return measureSetup(cfg, () => openStream(cfg, 'setup', noop), closeAll);
}
