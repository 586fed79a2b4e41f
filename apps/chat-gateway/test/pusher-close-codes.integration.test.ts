import { waitUntil } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { closeAll } from './gateway.js';
import { APP, connected, disconnectAllPusherClients, gatewayWithPusher, pusherClient, type PusherGateway } from './pusher-client.js';

afterEach(async () => {
  disconnectAllPusherClients();
  await closeAll();
});

/** A raw socket on /app/<key> that records frames and its close, and never answers a ping. */
async function rawSocket(gateway: PusherGateway, key: string = APP.key, query = 'protocol=7') {
  const socket = new WebSocket(`${gateway.ws}/app/${key}?${query}`);
  const frames: Array<{ event: string; data: unknown }> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as { event: string; data: unknown }));
  socket.on('error', () => {});
  return { socket, frames, closed };
}

function states(client: ReturnType<typeof pusherClient>): string[] {
  const seen: string[] = [];
  client.connection.bind('state_change', ({ current }: { current: string }) => seen.push(current));
  return seen;
}

describe('Pusher close codes', () => {
  it('closes an unknown key with 4001, and pusher-js stops (no reconnect)', async () => {
    const gateway = await gatewayWithPusher();
    const raw = await rawSocket(gateway, 'no-such-key');
    expect(await raw.closed).toEqual({ code: 4001, reason: expect.stringMatching(/key|app/i) });
    expect(raw.frames[0]).toMatchObject({ event: 'pusher:error', data: { code: 4001 } });

    const client = pusherClient(gateway, { key: 'no-such-key' });
    const seen = states(client);
    await waitUntil(() => seen.includes('disconnected'), { message: 'pusher-js to give up' });
    // A refused connection is not retried: give it the time a retry would take, then look.
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.slice(seen.indexOf('disconnected') + 1)).toEqual([]);
    expect(client.connection.state).toBe('disconnected');
  });

  it('refuses an unsupported protocol version with 4007', async () => {
    const gateway = await gatewayWithPusher();
    const raw = await rawSocket(gateway, APP.key, 'protocol=3');
    expect((await raw.closed).code).toBe(4007);
  });

  it('closes with 4200 on drain, and pusher-js reconnects at once rather than backing off', async () => {
    const gateway = await gatewayWithPusher();
    const raw = await rawSocket(gateway);
    await waitUntil(() => raw.frames.length === 1, { message: 'connection_established' });
    const client = pusherClient(gateway);
    await connected(client);
    const seen = states(client);
    await gateway.close();
    expect((await raw.closed).code).toBe(4200);
    await waitUntil(() => seen.length > 0, { message: 'a state change' });
    // 'connecting' straight away (retryIn(0)); a backoff would show 'unavailable' or a wait in 'disconnected'.
    expect(seen[0]).toBe('connecting');
  });

  it('pings a silent client after activity_timeout and closes it with 4201 when no pong comes; pusher-js answers and stays', async () => {
    const gateway = await gatewayWithPusher({ PUSHER_ACTIVITY_TIMEOUT: '1', PUSHER_PONG_TIMEOUT_MS: '500' });
    const client = pusherClient(gateway);
    await connected(client);
    const raw = await rawSocket(gateway);
    const { code } = await raw.closed;
    expect(code).toBe(4201);
    expect(raw.frames.map((f) => f.event)).toEqual(['pusher:connection_established', 'pusher:ping']);
    expect(client.connection.state).toBe('connected');
  });

  it('answers bad frames with pusher:error and keeps the connection', async () => {
    const gateway = await gatewayWithPusher();
    const raw = await rawSocket(gateway);
    await waitUntil(() => raw.frames.length === 1, { message: 'connection_established' });
    for (const bad of ['not json', '[]', '{"event":""}', '{"event":"pusher:subscribe","data":{"channel":"bad name!"}}', '{"event":"pusher:nope"}']) {
      raw.socket.send(bad);
    }
    raw.socket.send('{"event":"pusher:ping","data":{}}');
    await waitUntil(() => raw.frames.some((f) => f.event === 'pusher:pong'), { message: 'the pong after the bad frames' });
    expect(raw.frames.filter((f) => f.event === 'pusher:error')).toHaveLength(5);
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    raw.socket.close();
  });
});
