// The soak's traffic: clients that come and go (WebSocket members joining, talking,
// leaving, resuming with `since`, sometimes dropping without a goodbye; SSE streams
// opening, resuming with Last-Event-ID, closing), a steady publisher, and a few
// long-lived clients whose progress shows the services still deliver.
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const between = (min, max) => min + Math.random() * (max - min);

export const ROOMS = Array.from({ length: 10 }, (_, i) => `soak-${i}`);
export const TOPICS = Array.from({ length: 5 }, (_, i) => `soak-${i}`);

export function newStats() {
  return {
    wsOpened: 0, wsDropped: 0, resumes: 0, joins: 0, sent: 0, acked: 0, received: 0,
    sseOpened: 0, sseResumes: 0, events: 0, published: 0, publishRefused: 0, publish5xx: 0, errors: 0,
  };
}

/** Frames of one socket, awaited by predicate; rejects on close or after timeoutMs. */
function frameReader(socket) {
  const frames = [];
  const waiters = new Set();
  const wake = () => waiters.forEach((w) => w());
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    wake();
  });
  socket.on('close', wake);
  return {
    frames,
    next(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = frames.findIndex(match);
          if (i !== -1) return done(() => resolve(frames.splice(i, 1)[0]));
          if (socket.readyState >= WebSocket.CLOSING) done(() => reject(new Error('closed')));
        };
        const timer = setTimeout(() => done(() => reject(new Error('timeout'))), timeoutMs);
        const done = (settle) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Resolves once open. Listeners go on before that: the welcome can come in the same read as the 101. */
function openSocket(url, onSocket = () => {}) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('error', () => {});
    onSocket(socket);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before open')));
  });
}

/** One visit: connect, join 1-3 rooms (resuming where it left when it can), talk, leave one, go. */
async function wsVisit(base, name, lastIds, stats, stopped) {
  let reader;
  const socket = await openSocket(`${base}/ws?name=${name}`, (s) => (reader = frameReader(s)));
  stats.wsOpened += 1;
  try {
    await reader.next((f) => f.type === 'welcome');
    const rooms = [...new Set([pick(ROOMS), pick(ROOMS), pick(ROOMS)])].slice(0, 1 + Math.floor(Math.random() * 3));
    for (const room of rooms) {
      const since = lastIds.get(room);
      socket.send(JSON.stringify(since === undefined ? { type: 'join', room } : { type: 'join', room, since }));
      const joined = await reader.next((f) => f.type === 'joined' && f.room === room);
      stats.joins += 1;
      if (since !== undefined) stats.resumes += 1;
      for (const m of joined.history) lastIds.set(room, m.id);
    }
    const until = Date.now() + between(1000, 4000);
    let n = 0;
    while (Date.now() < until && !stopped()) {
      const ref = `${name}-${n++}`;
      socket.send(JSON.stringify({ type: 'send', room: pick(rooms), text: `soak ${ref}`, ref }));
      stats.sent += 1;
      await reader.next((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref);
      stats.acked += 1;
      for (const f of reader.frames.splice(0)) {
        if (f.type === 'message') {
          stats.received += 1;
          lastIds.set(f.room, f.id);
        }
      }
      await sleep(between(300, 700));
    }
    socket.send(JSON.stringify({ type: 'leave', room: rooms[0] }));
    await reader.next((f) => f.type === 'left');
  } finally {
    if (Math.random() < 0.2) {
      stats.wsDropped += 1;
      socket.terminate();
    } else {
      socket.close(1000);
    }
  }
}

/** One SSE visit: 1-2 topics, Last-Event-ID half of the time, read for a few seconds, close. */
function sseVisit(base, last, stats) {
  return new Promise((resolve, reject) => {
    const topics = [...new Set([pick(TOPICS), pick(TOPICS)])];
    const headers = {};
    if (last.id !== undefined && Math.random() < 0.5) {
      headers['last-event-id'] = last.id;
      stats.sseResumes += 1;
    }
    const url = new URL(`/sse?${topics.map((t) => `topic=${t}`).join('&')}`, base);
    const req = http.get(url, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`SSE status ${res.statusCode}`));
      }
      stats.sseOpened += 1;
      const parser = createParser({
        onEvent: (event) => {
          stats.events += 1;
          if (event.id) last.id = event.id;
        },
      });
      res.setEncoding('utf8');
      res.on('data', (chunk) => parser.feed(chunk));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, between(1000, 5000));
    });
    req.on('error', (error) => (req.destroyed ? resolve() : reject(error)));
  });
}

/** `count` loops of `visit`, each pausing briefly between visits, until stopped. */
function churn(count, visit, stats, stopped) {
  return Array.from({ length: count }, async (_, i) => {
    while (!stopped()) {
      try {
        await visit(i);
      } catch {
        stats.errors += 1;
      }
      await sleep(between(50, 300));
    }
  });
}

function post(base, agent, body) {
  return new Promise((resolve) => {
    const req = http.request(new URL('/publish', base), { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Starts everything; `stop()` ends the traffic and waits for every client to finish. */
export function startTraffic({ gateway, stream, wsClients, sseClients, publishRate, stats, maxConnections }) {
  let stopped = false;
  const isStopped = () => stopped || stats.wsOpened + stats.sseOpened >= maxConnections;
  // Each member remembers the last id it saw per room, to come back with `since`.
  const lastIds = Array.from({ length: wsClients }, () => new Map());
  const wsLoops = churn(wsClients, (i) => wsVisit(gateway, `soak-${i}`, lastIds[i], stats, isStopped), stats, isStopped);
  const sseLast = Array.from({ length: sseClients }, () => ({ id: undefined }));
  const sseLoops = churn(sseClients, (i) => sseVisit(stream, sseLast[i], stats), stats, isStopped);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const publisher = (async () => {
    for (let n = 0; !isStopped(); n++) {
      const status = await post(stream, agent, JSON.stringify({ topic: TOPICS[n % TOPICS.length], data: { n } }));
      if (status === 202) stats.published += 1;
      else stats.publishRefused += 1;
      if (status >= 500) stats.publish5xx += 1;
      await sleep(1000 / publishRate);
    }
    agent.destroy();
  })();

  return {
    /** True when the connection budget, not the clock, ended the traffic. */
    exhausted: () => stats.wsOpened + stats.sseOpened >= maxConnections,
    async stop() {
      stopped = true;
      await Promise.all([...wsLoops, ...sseLoops, publisher]);
    },
  };
}

/** Long-lived clients: WS members of one room with a talker, SSE readers of one topic. */
export async function startSteady(gateway, stream) {
  const counts = { ws: 0, sse: 0 };
  const sockets = [];
  for (let i = 0; i < 3; i++) {
    const socket = await openSocket(`${gateway}/ws?name=steady-${i}`, (s) =>
      s.on('message', (data) => {
        if (JSON.parse(data.toString()).type === 'message') counts.ws += 1;
      }),
    );
    socket.send(JSON.stringify({ type: 'join', room: 'soak-steady' }));
    sockets.push(socket);
  }
  const talker = setInterval(() => sockets[0].send(JSON.stringify({ type: 'send', room: 'soak-steady', text: 'tick' })), 500);
  const requests = Array.from({ length: 3 }, () =>
    http.get(new URL(`/sse?topic=${TOPICS[0]}`, stream), { agent: false }, (res) => {
      const parser = createParser({ onEvent: () => (counts.sse += 1) });
      res.setEncoding('utf8');
      res.on('data', (chunk) => parser.feed(chunk));
    }).on('error', () => {}),
  );
  return {
    counts,
    stop() {
      clearInterval(talker);
      for (const socket of sockets) socket.close(1000);
      for (const req of requests) req.destroy();
    },
  };
}
