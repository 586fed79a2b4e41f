// WebSocket load: lean `ws` clients (no compression, no UTF-8 validation) that count
// frames and read only the send time out of each payload.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import {
  BURST_CODE, BURST_PHASE, LATENCY_CODE, LATENCY_PHASE, LatencyRecorder, MARK, fanoutResult, measureIdle, measureSetup,
  paced, pool, quiesce, stamp, startWindow, waitUntil,
} from './common.mjs';
import { handshake } from './ws-handshake.mjs';

const CLIENT_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true };
const ROOM = 'bench';
const noop = () => {};

function urlFor(cfg, name) {
  return cfg.kind === 'herald' ? `ws://127.0.0.1:${cfg.port}/ws?name=${name}` : `ws://127.0.0.1:${cfg.port}/`;
}

/**
 * Resolves with an open client: for Herald once `welcome` came (and `joined` when a room
 * is given), for the baseline on `open`. Setup frames are parsed; measured ones never are.
 */
function openClient(cfg, name, room, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(urlFor(cfg, name), CLIENT_OPTIONS);
    const timer = setTimeout(() => fail(new Error(`${name}: not ready after ${timeoutMs} ms`)), timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      ws.removeListener('message', onSetupFrame);
      ws.removeListener('open', ready);
      ws.removeListener('error', fail);
      ws.removeListener('close', onEarlyClose);
      ws.on('error', noop);
    }
    function ready() {
      cleanup();
      resolve(ws);
    }
    function fail(error) {
      cleanup();
      ws.terminate();
      reject(error);
    }
    function onEarlyClose(code) {
      fail(new Error(`${name}: closed with ${code} before ready`));
    }
    function onSetupFrame(data) {
      const message = JSON.parse(data.toString());
      if (message.type === 'welcome') {
        if (room === null) ready();
        else ws.send(JSON.stringify({ type: 'join', room }));
      } else if (message.type === 'joined') {
        ready();
      } else if (message.type === 'error') {
        fail(new Error(`${name}: server said ${data.toString().slice(0, 200)}`));
      }
    }
    ws.on('error', fail);
    ws.on('close', onEarlyClose);
    if (cfg.kind === 'herald') ws.on('message', onSetupFrame);
    else ws.on('open', ready);
  });
}

const sendFrame = (text) => JSON.stringify({ type: 'send', room: ROOM, text });

function closeAll(clients) {
  for (const ws of clients) ws.terminate();
}

/** How a fan-out's clients connect and publish: Herald's JSON protocol (or the naive server's raw text) here, Pusher's in pusher-load.mjs. */
function nativeTransport(cfg) {
  return {
    openSubscriber: (i) => openClient(cfg, `sub${i}`, ROOM),
    openPublisher: () => openClient(cfg, 'publisher', ROOM),
    publish: (publisher, text) => publisher.send(sendFrame(text)),
    // Acks and echoes are only counted; an error (say rate_limited) is kept to be reported.
    isError: (data) => cfg.kind === 'herald' && data.indexOf('"type":"error"') !== -1,
  };
}

/** N subscribers in one room; a burst of BURST messages, then RATE msg/s for DURATION s. */
export function wsFanout(cfg) {
  return fanoutOver(cfg, nativeTransport(cfg));
}

/** The fan-out measurement over any WebSocket transport whose deliveries carry the stamp (common.mjs) verbatim. */
export async function fanoutOver(cfg, transport) {
  const { n, burst, rate, duration, concurrency, serverPid } = cfg;
  const latency = new LatencyRecorder(n * Math.ceil(rate * duration) + n);
  let frames = 0;
  let burstDelivered = 0;
  let lastBurstAt = 0;
  let closed = 0;
  function onFrame(data) {
    frames++;
    const at = data.indexOf(MARK);
    if (at <= 0) return;
    const phase = data[at - 1];
    if (phase === BURST_CODE) {
      burstDelivered++;
      lastBurstAt = performance.now();
    } else if (phase === LATENCY_CODE) {
      latency.add(Number(data.toString('latin1', at + 2, data.indexOf(MARK, at + 2))));
    }
  }
  const subscribers = await pool(n, concurrency, async (i) => {
    const ws = await transport.openSubscriber(i);
    ws.on('message', onFrame);
    ws.on('close', () => closed++);
    return ws;
  });
  let publisherFrames = 0;
  let publisherErrors = 0;
  let firstPublisherError = null;
  const publisher = await transport.openPublisher();
  publisher.on('message', (data) => {
    publisherFrames++;
    if (transport.isError(data)) {
      publisherErrors++;
      firstPublisherError ??= data.toString().slice(0, 200);
    }
  });
  // Joins fan out presence to every member; let that drain before measuring.
  await quiesce(() => frames + publisherFrames);

  const expected = n * burst;
  const window = startWindow(serverPid);
  for (let i = 0; i < burst; i++) transport.publish(publisher, stamp(BURST_PHASE));
  const burstComplete = await waitUntil(() => burstDelivered >= expected, () => burstDelivered);
  const burstWindow = window.end(lastBurstAt);
  await quiesce(() => frames + publisherFrames);

  const latencyWindow = startWindow(serverPid);
  const sent = await paced(rate, duration, () => transport.publish(publisher, stamp(LATENCY_PHASE)));
  const latencyComplete = await waitUntil(() => latency.count >= sent * n, () => latency.count);
  const summary = latency.summary();
  const latencyMeasured = latencyWindow.end();
  const subscribersClosed = closed;
  closeAll([...subscribers, publisher]);
  return fanoutResult(
    { expected, burstDelivered, burstComplete, burstWindow, sent, n, latency, latencyComplete, summary, latencyMeasured },
    { subscribersClosed, publisherErrors, firstPublisherError },
  );
}

/** RSS growth of the server per idle connection (connected, no room joined). */
export function wsIdle(cfg) {
  return measureIdle(cfg, (name) => openClient(cfg, name, null), closeAll);
}

/**
 * Connections per second until SETUP_N clients are ready (Herald: `welcome` received;
 * baseline: upgraded), CONCURRENCY attempts in flight, over bare handshakes (see
 * ws-handshake.mjs) so that the load process is not what is measured.
 */
export function wsSetup(cfg) {
  const open = (i) =>
    cfg.kind === 'herald'
      ? handshake({ port: cfg.port, path: `/ws?name=setup${i}`, untilText: '"welcome"' })
      : handshake({ port: cfg.port, path: '/' });
  return measureSetup(cfg, open, destroyAll);
}

function destroyAll(sockets) {
  for (const socket of sockets) socket.destroy();
}
