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

/** One WS publisher holding `rooms`; resolves once joined to all of them. `onClose(code)` after that. */
function openWsPublisher(port, index, rooms, { onAck, onFailure, onClose }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?name=publisher${index}`, { perMessageDeflate: false });
    const pending = new Set(rooms);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`publisher ${index}: not joined after 30 s`));
    }, 30_000);
    ws.on('error', noop);
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (pending.size > 0) reject(new Error(`publisher ${index}: closed with ${code} before it joined`));
      else onClose(code);
    });
    ws.on('message', (data) => {
      if (data.indexOf('"type":"presence"') !== -1 || data.indexOf('"type":"message"') !== -1) return;
      const m = JSON.parse(data.toString());
      if (m.type === 'welcome') for (const room of rooms) ws.send(JSON.stringify({ type: 'join', room }));
      else if (m.type === 'joined') {
        pending.delete(m.room);
        if (pending.size === 0) {
          clearTimeout(timer);
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
  // unanswered: sent on a connection that dropped before the reply; skipped: not sent, no connection.
  const stats = { sent: 0, acked: 0, failures: 0, firstFailure: null, unanswered: 0, skipped: 0 };
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
  const slots = Array.from({ length: count }, (_, p) => ({ index: p, rooms: rooms.filter((_, r) => r % count === p), ws: null }));
  let closing = false;
  const open = async (slot) => {
    slot.ws = await openWsPublisher(cfg.port, slot.index, slot.rooms, {
      onAck(ref, id) {
        const sent = waiting.get(ref);
        if (sent === undefined) return;
        waiting.delete(ref);
        ack(sent.room, id);
      },
      onFailure(text, ref) {
        if (ref !== undefined) waiting.delete(ref);
        fail(text);
      },
      // B dropped a publisher (a missed pong when this process was starved): what it had in
      // flight may or may not have been published, so it is not expected; it comes back.
      onClose(code) {
        slot.ws = null;
        if (closing) return;
        fail(`publisher ${slot.index} closed with ${code}`);
        for (const [ref, sent] of waiting) {
          if (sent.slot !== slot) continue;
          waiting.delete(ref);
          stats.unanswered++;
        }
        setTimeout(() => reopen(slot), 1000);
      },
    });
  };
  const reopen = (slot) => {
    if (closing) return;
    open(slot).catch((error) => {
      fail(error.message);
      setTimeout(() => reopen(slot), 1000);
    });
  };
  await Promise.all(slots.map(open));
  return {
    acked, stats,
    publish(room) {
      const slot = slots[rooms.indexOf(room) % count];
      if (slot.ws === null) {
        stats.skipped++;
        return;
      }
      const ref = String(++stats.sent);
      waiting.set(ref, { room, slot });
      slot.ws.send(JSON.stringify({ type: 'send', room, text: stampText(), ref }));
    },
    inFlight: () => waiting.size,
    close() {
      closing = true;
      for (const slot of slots) slot.ws?.terminate();
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
      return { ...pub.stats, unanswered: pub.stats.unanswered + pub.inFlight() };
    },
  };
}
