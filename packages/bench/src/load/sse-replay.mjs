// SSE replay load: REPLAY_N events published to one topic, then REPLAY_READERS streams
// resume from the start and read all of it while REPLAY_STALLED resume the same way and
// never read. Measures replayed events/s and the server's peak RSS growth meanwhile.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { readRssBytes, sampleRss } from '../proc-stats.mjs';
import { sleep, startWindow, waitUntil } from './common.mjs';
import { publisher } from './sse-publish.mjs';
import { openSseSocket, sseRequest } from './sse-stream.mjs';

const TOPIC = 'replay';
const SAMPLE_MS = 10;
/**
 * VmRSS moves in pages. Peak growth is reported as at least one page: a replay too
 * small to move RSS reads "under a page", which is the truth, where a 0 would make the
 * smoke test's positive check (and a ratio against it) depend on whether a GC happened
 * to land in the window. Peak is taken over samples that include the "before" ones, so
 * growth is never negative; the details keep the raw readings.
 */
const PAGE_BYTES = 4096;

/** Event `seq`'s data: `#<seq>#` padded to `bytes` characters, so a reader can check order cheaply. */
export function replayData(seq, bytes) {
  const head = `#${seq}#`;
  return head.length >= bytes ? head : head.padEnd(bytes, 'x');
}

/** Compares SSE ids numerically part by part: Herald's `1732560000000-3`, the baseline's `17`. */
export function compareIds(a, b) {
  const x = a.split('-').map(Number);
  const y = b.split('-').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Checks a replay as it arrives: event k must carry `#k#` and an id above the one
 * before. Blocks without `data:` (Herald's `retry:`, heartbeats) are not events.
 * `state.error` holds the first thing wrong; nothing is counted after it.
 */
export function replayChecker(expected, onComplete) {
  const state = { count: 0, lastId: null, error: null, doneAt: null };
  let rest = '';
  function fail(message) {
    state.error ??= `after ${state.count} events: ${message}`;
  }
  function event(text, start, end) {
    const data = text.indexOf('data: ', start);
    if (data === -1 || data >= end) return;
    const idEnd = text.indexOf('\n', start);
    if (!text.startsWith('id: ', start) || idEnd + 1 !== data) {
      fail(`unexpected event ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
      return;
    }
    const id = text.slice(start + 4, idEnd);
    const seqEnd = text.indexOf('#', data + 8);
    const seq = text.startsWith('"#', data + 6) && seqEnd !== -1 && seqEnd < end ? Number(text.slice(data + 8, seqEnd)) : NaN;
    if (seq !== state.count) fail(`event ${state.count} carried ${JSON.stringify(text.slice(data, Math.min(end, data + 30)))}`);
    else if (state.lastId !== null && compareIds(id, state.lastId) <= 0) fail(`id ${id} after ${state.lastId}`);
    if (state.error) return;
    state.lastId = id;
    state.count++;
    if (state.count === expected) {
      state.doneAt = performance.now();
      onComplete();
    } else if (state.count > expected) {
      fail(`more than the ${expected} events published`);
    }
  }
  function feed(piece) {
    if (state.error) return;
    const text = rest === '' ? piece : rest + piece;
    let from = 0;
    for (;;) {
      const end = text.indexOf('\n\n', from);
      if (end === -1) break;
      event(text, from, end);
      from = end + 2;
    }
    rest = from === text.length ? '' : text.slice(from);
  }
  return { state, feed };
}

/**
 * A resume that never reads: paused before it connects, Node never reads from the
 * socket, so what the server sends fills the kernel's buffers and then waits in the
 * server's own memory, as for a client that asked for everything and went quiet.
 */
function openStalled(port, path, headers) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.pause();
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // a reset when we destroy it at the end
      socket.write(sseRequest(port, path, headers));
      resolve(socket);
    });
  });
}

/** Samples the server's VmRSS every SAMPLE_MS until stopped; keeps the peak and the widest gap. */
function rssSampler(pid, floor) {
  let peak = floor;
  let samples = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    peak = Math.max(peak, readRssBytes(pid));
    samples++;
  }, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, readRssBytes(pid));
      return { peak, samples: samples + 1, maxGapMs };
    },
  };
}

/** Publishes the history, then times the readers' replay and samples RSS throughout. */
export async function sseReplay(cfg) {
  const { port, kind, serverPid, settleMs, replayN, replayBytes, replayReaders, replayStalled } = cfg;
  // One publish at a time: history order is then publish order, so event k of every
  // replay must carry k, which is how each reader proves it got all N, once, in order.
  const pub = publisher({ port, publishConcurrency: 1 });
  const published = performance.now();
  for (let seq = 0; seq < replayN; seq++) await pub.publish(TOPIC, replayData(seq, replayBytes));
  const publishMs = performance.now() - published;
  pub.close();
  await sleep(settleMs);

  const before = await sampleRss(serverPid, 5, 50);
  const sampler = rssSampler(serverPid, Math.max(...before.samples));
  // Both resume from before their first event: Herald's ids are `<ms>-<seq>`, the baseline's count from 1.
  const headers = { 'Last-Event-ID': kind === 'herald' ? '0-0' : '0' };
  const path = `/sse?topic=${TOPIC}`;
  let complete = 0;
  const checkers = Array.from({ length: replayReaders }, () => replayChecker(replayN, () => complete++));
  let closedEarly = 0;
  const window = startWindow(serverPid);
  const start = performance.now();
  const stalledOpening = Promise.all(Array.from({ length: replayStalled }, () => openStalled(port, path, headers)));
  const readers = await Promise.all(
    checkers.map(async (checker) => {
      const socket = await openSseSocket({ port, path, headers, readyOnHead: true, onBody: checker.feed });
      socket.on('close', () => {
        if (checker.state.count < replayN) closedEarly++;
      });
      return socket;
    }),
  );
  const stalled = await stalledOpening;
  const received = () => checkers.reduce((sum, c) => sum + c.state.count, 0);
  const failed = () => checkers.find((c) => c.state.error !== null);
  const finished = await waitUntil(() => complete === replayReaders || failed() !== undefined || closedEarly > 0, received, {
    timeoutMs: cfg.hardTimeoutMs,
  });
  const doneAt = Math.max(...checkers.map((c) => c.state.doneAt ?? performance.now()));
  const measured = window.end(doneAt);
  // Anything more than N would show up now, and a one-shot replay's memory lives on in the stalled streams.
  await sleep(settleMs);
  const rss = sampler.stop();
  for (const socket of [...readers, ...stalled]) socket.destroy();

  const problem = failed()?.state.error ?? (closedEarly > 0 ? `${closedEarly} readers closed before the end` : null);
  if (problem || !finished || checkers.some((c) => c.state.count !== replayN)) {
    const counts = checkers.map((c) => c.state.count).join(', ');
    throw new Error(`replay incomplete: readers got ${counts} of ${replayN} events${problem ? `; ${problem}` : ''}`);
  }
  const replayMs = doneAt - start;
  return {
    metrics: {
      eventsPerSecond: (replayReaders * replayN) / (replayMs / 1000),
      peakRssGrowth: Math.max(PAGE_BYTES, rss.peak - before.median),
    },
    details: {
      events: replayN,
      eventBytes: replayBytes,
      readers: replayReaders,
      stalled: replayStalled,
      delivered: received(),
      expected: replayReaders * replayN,
      replayMs,
      publishMs,
      rss: { before: before.median, beforeSamples: before.samples, ...rss, sampleMs: SAMPLE_MS },
      ...measured,
    },
  };
}
