import { afterEach, describe, expect, it } from 'vitest';
import { ChatTestClient, metricValue, upgradeStatus, waitUntil } from '@herald/testkit';
import { closeAll, startGateway, type TestGateway } from './gateway.js';

let gateway: TestGateway | undefined;

afterEach(closeAll);

describe('ops endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    gateway = await startGateway();
    const health = await fetch(`${gateway.http}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gateway.http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', bus: { kind: 'memory', ready: true }, draining: false });
  });

  it('says 503 on /readyz when the bus is down', async () => {
    gateway = await startGateway();
    await gateway.bus.close();
    expect((await fetch(`${gateway.http}/readyz`)).status).toBe(503);
  });

  it('exposes connections and message counters on /metrics', async () => {
    gateway = await startGateway({ RATE_LIMIT: '0' });
    const { client: a } = await ChatTestClient.join(gateway.ws, 'a', 'r1');
    const { client: b } = await ChatTestClient.join(gateway.ws, 'b', 'r1');
    a.send({ type: 'send', room: 'r1', text: 'counted', ref: 'x' });
    await b.next('message');
    await a.next('ack');
    const res = await fetch(`${gateway.http}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const body = await res.text();
    expect(body).toMatch(/^herald_connections\{service="chat-gateway"\} 2$/m);
    expect(body).toMatch(/^herald_messages_out_total\{service="chat-gateway"\} 2$/m);
    expect(body).toMatch(/^herald_messages_in_total\{service="chat-gateway"\} 3$/m);
    expect(body).toMatch(/^herald_publish_deliver_latency_seconds_count\{service="chat-gateway"\} 1$/m);
    expect(body).toContain('herald_slow_consumers_closed_total');
    expect(body).toContain('herald_messages_dropped_total');
    a.close();
    await a.closed;
    await waitUntil(async () => (await metricValue(gateway!.metrics, 'herald_connections')) === 1, { message: 'the gauge drops' });
  });
});

describe('drain', () => {
  it('closes every socket with 1001, and answers 503 while draining', async () => {
    gateway = await startGateway({}, { drainGraceMs: 20_000 });
    const { client: json } = await ChatTestClient.join(gateway.ws, 'alice', 'r1');
    const raw = await ChatTestClient.connect(`${gateway.ws}/`);
    // A peer that does not read holds the drain open until the grace period ends.
    const stuck = await ChatTestClient.connect(`${gateway.ws}/ws?name=stuck`);
    await stuck.next('welcome');
    stuck.ws.pause();

    const closing = gateway.app.close();
    expect((await json.closed).code).toBe(1001);
    expect((await raw.closed).code).toBe(1001);
    expect(gateway.app.draining).toBe(true);

    const ready = await fetch(`${gateway.http}/readyz`);
    expect(ready.status).toBe(503);
    expect((await upgradeStatus(`${gateway.ws}/ws?name=late`)).status).toBe(503);

    stuck.ws.resume();
    expect((await stuck.closed).code).toBe(1001);
    await closing;
  });

  it('terminates peers that never finish the close handshake after the grace period', async () => {
    gateway = await startGateway({}, { drainGraceMs: 200 });
    const stuck = await ChatTestClient.connect(`${gateway.ws}/ws?name=stuck`);
    await stuck.next('welcome');
    stuck.ws.pause();
    await gateway.app.close();
    expect(await metricValue(gateway.metrics, 'herald_connections')).toBe(0);
    stuck.ws.resume();
    await stuck.closed;
  });
});
