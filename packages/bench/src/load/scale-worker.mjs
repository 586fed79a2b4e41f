// One load process of the scale scenario: holds `count` subscribers (WS on the seed
// route `/`, or SSE streams) bound to its own source address, counts what arrives and
// records publish→receive latency into a mergeable histogram. The coordinator
// (scale-fleet.mjs) talks to it in lines: it prints `READY`, then `P <json>` progress
// every 100 ms, and `RESULT <json>` after the coordinator writes `finish`.
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { BURST_CODE, LATENCY_CODE, MARK, pool } from './common.mjs';
import { LogHistogram } from './scale-histogram.mjs';
import { epochMs } from './scale-stamp.mjs';
import { markerScanner, openSseSocket } from './sse-stream.mjs';

const WARM_CODE = 'W'.charCodeAt(0);
const CLIENT_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true };
const noop = () => {};

const cfg = JSON.parse(process.argv[2] ?? '{}');
const histogram = new LogHistogram();
const counts = { frames: 0, warmed: 0, burst: 0, latency: 0, closed: 0, lastBurstAt: 0 };

/**
 * Counts one marked delivery; `sentAt()` reads the stamp (only for the latency phase, so
 * the burst allocates nothing); `seen` holds the subscriber's "had a warm-up" flag.
 */
function onMarker(phase, sentAt, seen) {
  if (phase === BURST_CODE) {
    counts.burst++;
    counts.lastBurstAt = epochMs();
  } else if (phase === LATENCY_CODE) {
    counts.latency++;
    histogram.add(epochMs() - sentAt());
  } else if (phase === WARM_CODE && !seen.warm) {
    seen.warm = true;
    counts.warmed++;
  }
}

function openWs(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cfg.port}/`, { ...CLIENT_OPTIONS, localAddress: cfg.localAddress });
    const seen = { warm: false };
    const timer = setTimeout(() => fail(new Error(`subscriber ${i}: not open after 60 s`)), 60_000);
    function fail(error) {
      clearTimeout(timer);
      ws.terminate();
      reject(error);
    }
    ws.on('error', fail);
    ws.once('open', () => {
      clearTimeout(timer);
      ws.removeListener('error', fail);
      ws.on('error', noop);
      ws.on('close', () => counts.closed++);
      resolve(ws);
    });
    ws.on('message', (data) => {
      counts.frames++;
      const at = data.indexOf(MARK);
      if (at <= 0) return;
      onMarker(data[at - 1], () => Number(data.toString('latin1', at + 2, data.indexOf(MARK, at + 2))), seen);
    });
  });
}

async function openSse() {
  const seen = { warm: false };
  const scan = markerScanner((phase, text, start, end) => onMarker(phase, () => Number(text.slice(start, end)), seen));
  const socket = await openSseSocket({
    port: cfg.port,
    path: '/sse?topic=bench',
    readyOnHead: cfg.kind !== 'herald',
    localAddress: cfg.localAddress,
    timeoutMs: 60_000,
    onBody: (text) => {
      counts.frames++;
      scan(text);
    },
  });
  socket.on('close', () => counts.closed++);
  return socket;
}

const say = (line) => process.stdout.write(`${line}\n`);

let clients = [];
try {
  clients = await pool(cfg.count, cfg.concurrency, cfg.transport === 'ws' ? openWs : openSse);
} catch (error) {
  console.error(`scale load ${cfg.localAddress}: ${error.message}`);
  process.exit(1);
}
say(`READY ${JSON.stringify({ opened: clients.length })}`);
const progress = setInterval(() => say(`P ${JSON.stringify(counts)}`), 100);

function finish() {
  clearInterval(progress);
  const result = { ...counts, histogram: histogram.toJSON(), cpu: process.cpuUsage() };
  for (const client of clients) (client.terminate ?? client.destroy).call(client);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
}

// The coordinator holds our stdin: `finish` ends the run, and so does the pipe closing.
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'finish') finish();
});
lines.on('close', () => process.exit(2));
setTimeout(() => {
  console.error(`scale load ${cfg.localAddress}: still running after ${cfg.hardTimeoutMs} ms, giving up`);
  process.exit(3);
}, cfg.hardTimeoutMs).unref();
