import { MemoryBus } from '@herald/bus';
// The gateway package's entry point runs the server, so the app factory is imported
// from its built module.
import { buildApp, readGatewayConfig } from '@herald/chat-gateway';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChatMessage } from '@herald/protocol';
import { waitUntil } from '@herald/testkit';
import { ChatClient } from '../src/lib/chat-client.js';

const config = readGatewayConfig({ LOG_LEVEL: 'silent', RATE_LIMIT: '0' });

async function startGateway(bus: MemoryBus, port = 0, gatewayConfig = config): Promise<{ app: ReturnType<typeof buildApp>; port: number }> {
  const app = buildApp({ config: gatewayConfig, bus, drainGraceMs: 500 });
  // Re-listening on a port just released can briefly fail under load: retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await app.listen({ port, host: '127.0.0.1' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { app, port: (app.server.address() as AddressInfo).port };
}

describe('ChatClient against a real chat gateway (ws in Node)', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('reconnects after the gateway restarts and delivers the messages sent meanwhile exactly once', async () => {
    const bus = new MemoryBus({ historySize: 1000 });
    cleanup.push(() => bus.close());
    let a = await startGateway(bus);
    const b = await startGateway(bus); // where bob stays connected throughout
    cleanup.push(() => b.app.close());
    const port = a.port;

    const backoff = { initialMs: 50, maxMs: 400, factor: 2 };
    const alice = new ChatClient({ url: `ws://127.0.0.1:${port}/ws`, name: 'alice', WebSocket, backoff });
    const bob = new ChatClient({ url: `ws://127.0.0.1:${b.port}/ws`, name: 'bob', WebSocket, backoff });
    cleanup.push(() => alice.close(), () => bob.close());
    const got: ChatMessage[] = [];
    const states: string[] = [];
    const missed: unknown[] = [];
    alice.on('message', (m) => got.push(m));
    alice.on('state', (s) => states.push(s.state));
    alice.on('missed', (m) => missed.push(m));

    alice.connect();
    bob.connect();
    await alice.join('lobby');
    await bob.join('lobby');
    await waitUntil(() => alice.members('lobby').some((u) => u.name === 'bob'), { message: 'bob in alice’s member list' });

    for (const text of ['m1', 'm2', 'm3']) await bob.send('lobby', text);
    await waitUntil(() => got.length === 3, { message: 'm1..m3' });

    await a.app.close(); // the gateway goes away mid-session
    await waitUntil(() => alice.state.state === 'reconnecting', { message: 'alice reconnecting' });
    for (const text of ['m4', 'm5', 'm6']) await bob.send('lobby', text);

    a = await startGateway(bus, port);
    cleanup.push(() => a.app.close());
    await waitUntil(() => alice.state.state === 'open', { message: 'alice back' });
    await waitUntil(() => got.length >= 6, { message: 'the missed messages' });
    await bob.send('lobby', 'm7');
    await waitUntil(() => got.some((m) => m.text === 'm7'), { message: 'm7' });

    expect(got.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(new Set(got.map((m) => m.id)).size).toBe(7);
    expect(missed).toEqual([]);
    expect(states).toContain('reconnecting');
    expect(alice.members('lobby').map((u) => u.name).sort()).toEqual(['alice', 'bob']);
  });

  it('send rejects with the gateway’s error code when the room was not joined', async () => {
    const bus = new MemoryBus({ historySize: 100 });
    cleanup.push(() => bus.close());
    const { app, port } = await startGateway(bus);
    cleanup.push(() => app.close());
    const client = new ChatClient({ url: `ws://127.0.0.1:${port}/ws`, name: 'carol', WebSocket });
    cleanup.push(() => client.close());
    const open = new Promise<void>((resolve) => client.on('state', (s) => s.state === 'open' && resolve()));
    client.connect();
    await open;
    await expect(client.send('elsewhere', 'hello')).rejects.toMatchObject({ name: 'ClientError', code: 'not_joined' });
  });

  it('pages a rejoin cut by MAX_JOIN_HISTORY_BYTES: every message once, in order, and since stays exact', async () => {
    const small = readGatewayConfig({ LOG_LEVEL: 'silent', RATE_LIMIT: '0', MAX_JOIN_HISTORY_BYTES: '1024' });
    const bus = new MemoryBus({ historySize: 1000 });
    cleanup.push(() => bus.close());
    let a = await startGateway(bus, 0, small);
    const b = await startGateway(bus, 0, small);
    cleanup.push(() => b.app.close());
    const port = a.port;
    const sent: string[] = [];
    class RecordingWebSocket extends WebSocket {
      override send(data: string): void {
        sent.push(data);
        super.send(data);
      }
    }
    const backoff = { initialMs: 50, maxMs: 400, factor: 2 };
    const alice = new ChatClient({ url: `ws://127.0.0.1:${port}/ws`, name: 'alice', WebSocket: RecordingWebSocket, backoff });
    const bob = new ChatClient({ url: `ws://127.0.0.1:${b.port}/ws`, name: 'bob', WebSocket, backoff });
    cleanup.push(() => alice.close(), () => bob.close());
    const got: ChatMessage[] = [];
    alice.on('message', (m) => got.push(m));
    alice.connect();
    bob.connect();
    await alice.join('lobby');
    await bob.join('lobby');
    await bob.send('lobby', 'first');
    await waitUntil(() => got.length === 1, { message: 'first' });

    await a.app.close();
    await waitUntil(() => alice.state.state === 'reconnecting', { message: 'alice reconnecting' });
    const away = Array.from({ length: 30 }, (_, i) => `away ${i} `.padEnd(200, '.'));
    for (const text of away) await bob.send('lobby', text);
    a = await startGateway(bus, port, small);
    cleanup.push(() => a.app.close());
    await waitUntil(() => alice.state.state === 'open', { message: 'alice back' });
    // Live while alice may still be paging: held until the pages caught up.
    await bob.send('lobby', 'live');
    await waitUntil(() => got.some((m) => m.text === 'live'), { message: 'live' });

    expect(got.map((m) => m.text)).toEqual(['first', ...away, 'live']);
    const pages = sent.map((f) => JSON.parse(f) as { type: string; after?: string }).filter((f) => f.type === 'history');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.after !== undefined)).toBe(true);
  });
});
