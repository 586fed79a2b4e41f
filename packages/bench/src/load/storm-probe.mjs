// The storm's probe, on gateway B the whole time: the publisher (acked messages at a
// steady rate, every acked id kept per room) and B's existing clients, whose
// publish→receive latency shows what the storm does to the people already there.
// Publisher and readers share this process, so their stamps share a clock.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { MARK, percentile, sleep } from './common.mjs';
import { epochNow } from './storm-client.mjs';
import { publisher as ssePublisher } from './sse-publish.mjs';

// JOIN_BURST (default 100) is the rooms one connection may hold: a publisher holds fewer.
const ROOMS_PER_PUBLISHER = 50;
const noop = () => {};

/** Latency samples with the time they were taken, cut into windows at the end. */
export class TimedLatency {
  constructor() {
    this.at = [];
    this.ms = [];
  }
  /** `text` carries `<phase>@@<epoch ms at send>@@` (common.mjs stamp, epoch-based here). */
  add(text) {
    const at = text.indexOf(MARK);
    if (at <= 0) return;
    const now = epochNow();
    this.at.push(now);
    this.ms.push(now - Number(text.slice(at + 2, text.indexOf(MARK, at + 2))));
  }
  window(from, to) {
    const sorted = this.ms.filter((_, i) => this.at[i] >= from && this.at[i] < to).sort((a, b) => a - b);
    return { samples: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: percentile(sorted, 100) };
  }
}

const stampText = () => `S${MARK}${epochNow().toFixed(3)}${MARK}`;

/** One WS publisher holding `rooms`; resolves once joined to all of them. */
function openWsPublisher(port, index, rooms, onAck, onFailure, closing) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?name=publisher${index}`, { perMessageDeflate: false });
    const pending = new Set(rooms);
    const timer = setTimeout(() => reject(new Error(`publisher ${index}: not joined after 30 s`)), 30_000);
    ws.on('error', reject);
    ws.on('close', (code) => closing() || onFailure(`publisher ${index} closed with ${code}`));
    ws.on('message', (data) => {
      if (data.indexOf('"type":"presence"') !== -1 || data.indexOf('"type":"message"') !== -1) return;
      const m = JSON.parse(data.toString());
      if (m.type === 'welcome') for (const room of rooms) ws.send(JSON.stringify({ type: 'join', room }));
      else if (m.type === 'joined') {
        pending.delete(m.room);
        if (pending.size === 0) {
          clearTimeout(timer);
          ws.removeListener('error', reject);
          ws.on('error', noop);
          resolve(ws);
        }
      } else if (m.type === 'ack') onAck(m.ref, m.id);
      else if (m.type === 'error') onFailure(data.toString().slice(0, 200), m.ref);
    });
  });
}

/**
 * The publishing side for one transport: `open()`, then `publish(room)` sends one stamped
 * message; `inFlight()` counts those not answered yet.
 */
export async function openPublisher(cfg, rooms) {
  const acked = Object.fromEntries(rooms.map((room) => [room, []]));
  const stats = { sent: 0, acked: 0, failures: 0, firstFailure: null };
  const waiting = new Map();
  const fail = (text) => {
    stats.failures++;
    stats.firstFailure ??= text;
  };
  const ack = (room, id) => {
    acked[room].push(id);
    stats.acked++;
  };
  if (cfg.transport === 'sse') {
    const pub = ssePublisher({ port: cfg.port, publishConcurrency: cfg.publishConcurrency });
    return {
      acked, stats,
      publish(room) {
        stats.sent++;
        waiting.set(stats.sent, room);
        const ref = stats.sent;
        pub.publish(room, { t: stampText() }).then(
          (body) => ack(room, JSON.parse(body).id),
          (error) => fail(error.message),
        ).finally(() => waiting.delete(ref));
      },
      inFlight: () => waiting.size,
      close: () => pub.close(),
    };
  }
  const count = Math.ceil(rooms.length / ROOMS_PER_PUBLISHER);
  const onAck = (ref, id) => {
    const room = waiting.get(ref);
    if (room === undefined) return;
    waiting.delete(ref);
    ack(room, id);
  };
  const onFailure = (text, ref) => {
    if (ref !== undefined) waiting.delete(ref);
    fail(text);
  };
  let closing = false;
  const sockets = await Promise.all(
    Array.from({ length: count }, (_, p) =>
      openWsPublisher(cfg.port, p, rooms.filter((_, r) => r % count === p), onAck, onFailure, () => closing),
    ),
  );
  return {
    acked, stats,
    publish(room) {
      const ref = String(++stats.sent);
      waiting.set(ref, room);
      sockets[rooms.indexOf(room) % count].send(JSON.stringify({ type: 'send', room, text: stampText(), ref }));
    },
    inFlight: () => waiting.size,
    close() {
      closing = true;
      for (const ws of sockets) ws.terminate();
    },
  };
}

/** Publishes `rate` messages a second round-robin over `rooms` until `stop()`; `stop` resolves once all are answered. */
export function startPublishing(pub, rooms, rate) {
  let stopped = false;
  const loop = (async () => {
    const start = performance.now();
    for (let i = 0; !stopped; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 1) await sleep(wait);
      if (!stopped) pub.publish(rooms[i % rooms.length]);
    }
  })();
  return {
    async stop(timeoutMs = 30_000) {
      stopped = true;
      await loop;
      const deadline = Date.now() + timeoutMs;
      while (pub.inFlight() > 0 && Date.now() < deadline) await sleep(50);
      return { ...pub.stats, unanswered: pub.inFlight() };
    },
  };
}
