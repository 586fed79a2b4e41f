import { MemoryBus } from '@herald/bus';
import { channelTopic, PusherApps } from '@herald/pusher';
import { waitUntil, WebhookReceiver } from '@herald/testkit';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookSender } from './webhook-sender.js';

const apps = new PusherApps([{ id: 'a', key: 'key-a', secret: 'secret-aaa' }]);
const quiet = { warn() {}, info() {}, error() {}, debug() {} } as unknown as FastifyBaseLogger;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sender(bus: MemoryBus, receiver: WebhookReceiver, leaseMs: number, retryBaseMs: number): WebhookSender {
  const s = new WebhookSender({ journal: bus.journal, apps, url: receiver.url, batchMs: 10, leaseMs, log: quiet, retryBaseMs });
  cleanups.push(() => s.stop(0));
  s.start();
  return s;
}

const channels = (receiver: WebhookReceiver) =>
  receiver.accepted.flatMap((r) => (JSON.parse(r.rawBody) as { events: Array<{ name: string; channel: string }> }).events.map((e) => `${e.name}:${e.channel}`));

describe('WebhookSender', () => {
  it('keeps its lease through backoffs longer than the lease: a second sender never sends the batch too', async () => {
    const receiver = await WebhookReceiver.start({ failFirst: 3 });
    cleanups.push(() => receiver.close());
    const bus = new MemoryBus({ historySize: 10 });
    // The cursor starts at the journal's end: set it before anything is journaled.
    await bus.journal.cursor('pusher-webhooks');
    // Waits of 600, 1200 and 2400 ms between attempts, each longer than the 1000 ms lease.
    const first = sender(bus, receiver, 1000, 600);
    await waitUntil(() => bus.journal.lead('pusher-webhooks', 'probe', 1).then((held) => !held), { message: 'a lease holder' });
    sender(bus, receiver, 1000, 600);
    await bus.presence.join(channelTopic('a', 'c1'), 's1', { id: 's1', name: 'null' }, { occupancy: 'connections' });
    // Whether the first sender still holds the lease: only the holder may commit (here: the cursor where it is).
    const firstHolds = async () => bus.journal.commit('pusher-webhooks', first.owner, await bus.journal.cursor('pusher-webhooks'));
    const samples: boolean[] = [];
    while (receiver.accepted.length === 0) {
      samples.push(await firstHolds());
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.every(Boolean)).toBe(true);
    // A sentinel after it: delivered only once everything before it was.
    await bus.presence.leave(channelTopic('a', 'c1'), 's1');
    await waitUntil(() => channels(receiver).includes('channel_vacated:c1'), { timeoutMs: 20_000, message: 'vacated' });
    expect(channels(receiver)).toEqual(['channel_occupied:c1', 'channel_vacated:c1']);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 500, 200, 200]);
  }, 30_000);

  it('a stop does not wait for a failing receiver: it gives the lease up and leaves the batch unacknowledged', async () => {
    const bus = new MemoryBus({ historySize: 10 });
    await bus.journal.cursor('pusher-webhooks');
    const receiver = await WebhookReceiver.start({ failFirst: Infinity });
    cleanups.push(() => receiver.close());
    const s = new WebhookSender({ journal: bus.journal, apps, url: receiver.url, batchMs: 10, leaseMs: 10_000, log: quiet });
    s.start();
    await bus.presence.join(channelTopic('a', 'c2'), 's1', { id: 's1', name: 'null' }, { occupancy: 'connections' });
    await waitUntil(() => receiver.received.length >= 1, { message: 'a first attempt' });
    await s.stop(60_000);
    expect(await bus.journal.lead('pusher-webhooks', 'next', 10_000)).toBe(true);
    // Not acknowledged: the next sender starts from before it.
    expect((await bus.journal.read(await bus.journal.cursor('pusher-webhooks'), 10)).map((e) => e.kind)).toEqual(['occupied']);
  });
});
