import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dripper, endlessHeaders } from './drip.js';
import { startGateway, startStream, type InProcess } from './in-process.js';
import { WsProbe } from './ws-probe.js';
import { waitUntil } from '@herald/testkit';

// A short request timeout so the cut comes within seconds; the default (30 s, checked
// every 5 s) is the same mechanism.
const TIMEOUTS = { requestMs: 2000, checkIntervalMs: 250 };
const drippers: Dripper[] = [];
const drip = (port: number, text: string, prefix = '') => {
  const d = new Dripper(port, text, prefix);
  drippers.push(d);
  return d;
};

/** Ordinary requests, one after another, while `busy()` holds (30 s at most); every one must succeed. */
async function meanwhile(stream: InProcess, busy: () => boolean): Promise<number> {
  let answered = 0;
  const deadline = Date.now() + 30_000;
  while (busy() && Date.now() < deadline) {
    expect((await fetch(`${stream.http}/healthz`)).status).toBe(200);
    const res = await fetch(`${stream.http}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'hx-drip', data: answered }),
    });
    expect(res.status).toBe(202);
    answered += 1;
  }
  return answered;
}

/** Counts `: ping` heartbeats on an SSE stream read over plain node:http. */
function openPings(url: string): { pings: () => number; ended: () => boolean; close: () => void } {
  let text = '';
  let ended = false;
  const req = request(url, { agent: false }, (res) => {
    res.on('data', (chunk: Buffer) => (text += chunk.toString()));
    res.on('close', () => (ended = true));
  });
  req.on('error', () => (ended = true));
  req.end();
  return { pings: () => text.split(': ping').length - 1, ended: () => ended, close: () => req.destroy() };
}

describe('event stream: slow-drip and silent clients (in process, short timeouts)', () => {
  let stream: InProcess;

  beforeAll(async () => {
    stream = await startStream({ HEARTBEAT_MS: '500' }, TIMEOUTS);
  });

  afterAll(async () => {
    for (const d of drippers) d.destroy();
    await stream?.close();
  });

  it('headers dripped one byte every 100 ms: others are served meanwhile, then the drip gets 408', async () => {
    const slow = drip(stream.port, endlessHeaders('GET /sse?topic=hx-drip HTTP/1.1'));
    const answered = await meanwhile(stream, () => !slow.closed);
    await waitUntil(() => slow.closed, { timeoutMs: 30_000, message: 'the dripping request to be cut' });
    expect(slow.status).toBe(408);
    expect(answered).toBeGreaterThan(0);
    expect(slow.sent).toBeLessThan(endlessHeaders('').length);
  });

  it('a publish body dripped one byte every 100 ms is cut with 408 (Fastify alone never cut it)', async () => {
    const head = 'POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n';
    const slow = drip(stream.port, '{"topic":"hx-drip","data":"' + 'x'.repeat(4970) + '"}', head);
    await waitUntil(() => slow.sent > 0, { timeoutMs: 30_000, message: 'the body to start' });
    const answered = await meanwhile(stream, () => !slow.closed);
    await waitUntil(() => slow.closed, { timeoutMs: 30_000, message: 'the dripping body to be cut' });
    expect(slow.status).toBe(408);
    expect(answered).toBeGreaterThan(0);
  });

  it('a socket that never sends a byte gets 408 too; an SSE stream open longer than the request timeout is not cut', async () => {
    const quiet = openPings(`${stream.http}/sse?topic=hx-quiet`);
    await waitUntil(() => quiet.pings() > 0, { timeoutMs: 20_000, message: 'the first heartbeat' });
    const silent = drip(stream.port, '');
    await waitUntil(() => silent.closed, { timeoutMs: 30_000, message: 'the silent socket to be closed' });
    expect(silent.status).toBe(408);
    // The stream is older than the silent socket was when it was cut, and still live.
    expect(quiet.ended()).toBe(false);
    const before = quiet.pings();
    await waitUntil(() => quiet.pings() > before, { timeoutMs: 20_000, message: 'another heartbeat' });
    expect(quiet.ended()).toBe(false);
    quiet.close();
  });
});

describe('chat gateway: slow-drip upgrade and quiet WebSockets (in process, short timeouts)', () => {
  it('an upgrade request dripped byte by byte gets 408; an open WebSocket silent for longer stays open', async () => {
    // Pings every 60 s: nothing crosses the WebSocket while the request timeout runs out.
    const gateway = await startGateway({ HEARTBEAT_MS: '60000' }, TIMEOUTS);
    try {
      const probe = await WsProbe.connect(`${gateway.ws}/ws?name=hx-quiet`);
      await probe.next();
      const silent = drip(gateway.port, '');
      const slow = drip(gateway.port, endlessHeaders('GET /ws?name=slow HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade'));
      await waitUntil(() => silent.closed && slow.closed, { timeoutMs: 30_000, message: 'the silent and the dripping socket to be closed' });
      expect(slow.status).toBe(408);
      expect(probe.closed).toBe(false);
      probe.sendText(JSON.stringify({ type: 'join', room: 'hx-quiet' }));
      expect((await probe.next()).type).toBe('joined');
      await probe.close();
    } finally {
      await gateway.close();
    }
  });
});
