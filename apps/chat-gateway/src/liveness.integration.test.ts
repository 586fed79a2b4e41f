import { chatTopic, encodeChatPayload } from '@herald/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from './test/test-client.js';
import { metricValue, startGateway, waitUntil, type TestGateway } from './test/test-server.js';

let gateway: TestGateway | undefined;
const clients: TestClient[] = [];

async function join(name: string, room: string, options: { autoPong?: boolean } = {}): Promise<TestClient> {
  const c = await TestClient.connect(`${gateway!.ws}/ws?name=${name}`, options);
  clients.push(c);
  await c.next('welcome');
  c.send({ type: 'join', room });
  await c.next('joined');
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

describe('slow consumers', () => {
  it('closes a client that stops reading with 1013 while the others keep receiving', async () => {
    gateway = await startGateway({ MAX_BUFFERED_BYTES: String(1024 * 1024), RATE_LIMIT: '0' });
    const slow = await join('slow', 'r1');
    const fast = await join('fast', 'r1');
    slow.ws.pause();

    const text = 'z'.repeat(16 * 1024);
    const topic = chatTopic('r1');
    let sent = 0;
    // Kernel socket buffers absorb several MB before the server sees any backlog,
    // so publish in small batches (each read by `fast`) until the slow one is cut.
    while ((await metricValue(gateway.metrics, 'herald_slow_consumers_closed_total')) === 0) {
      expect(sent).toBeLessThan(5000);
      let last = '';
      for (let i = 0; i < 8; i++, sent++) {
        last = (await gateway.bus.publish(topic, encodeChatPayload('r1', { id: 'p', name: 'p' }, text, Date.now()))).id;
      }
      await fast.next('message', (f) => f.id === last);
      fast.frames.length = 0;
      fast.texts.length = 0;
    }

    const after = await gateway.bus.publish(topic, encodeChatPayload('r1', { id: 'p', name: 'p' }, 'after', Date.now()));
    expect(await fast.next('message', (f) => f.text === 'after')).toMatchObject({ id: after.id });
    expect(await metricValue(gateway.metrics, 'herald_slow_consumers_closed_total')).toBe(1);

    slow.ws.resume();
    expect((await slow.closed).code).toBe(1013);
    expect(fast.ws.readyState).toBe(fast.ws.OPEN);
  });
});

describe('dead peers', () => {
  it('terminates a client that stops answering pings and announces its leave', async () => {
    gateway = await startGateway({ HEARTBEAT_MS: '200' });
    const watcher = await join('watcher', 'r1');
    const dead = await join('dead', 'r1', { autoPong: false });
    await watcher.next('presence', (f) => f.event === 'join' && f.user.id === 'dead');

    expect(await watcher.next('presence', (f) => f.event === 'leave')).toMatchObject({ user: { id: 'dead' } });
    expect((await dead.closed).code).toBe(1006);
    await waitUntil(
      async () => (await metricValue(gateway!.metrics, 'herald_connections')) === 1,
      'the connections gauge counts only the watcher',
    );
    // The watcher answers pings and stays, several heartbeats later.
    let pings = 0;
    watcher.ws.on('ping', () => (pings += 1));
    await waitUntil(() => pings >= 3, 'three more heartbeats');
    watcher.send({ type: 'send', room: 'r1', text: 'still here', ref: 'w' });
    await watcher.next('ack');
    expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
  });
});
