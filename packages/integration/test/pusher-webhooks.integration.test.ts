/** The fields of a webhook event these tests compare. */
type WebhookEvent = { name: string; channel: string; user_id?: string };
import PusherServer from 'pusher';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeEverything,
  deleteKeys,
  disconnectPusherClients,
  pusherJsClient,
  REDIS_TEST_URL,
  redisAvailable,
  Service,
  uniquePrefix,
  waitUntil,
  WebhookReceiver,
  type PusherJsClient as Pusher,
} from '@herald/testkit';
import { servicesOnRedis } from './on-redis.js';

const up = await redisAvailable();
const APP = { id: 'hooks', key: 'hooks-key', secret: 'hooks-secret-0123456789' };
const sdk = new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1' });

/** pusher-js on `gateway`; private/presence channels authorized by the pusher SDK as an app's auth endpoint would. */
const client = (gateway: Service, member?: { user_id: string }): Pusher => pusherJsClient(APP, gateway.port, { member });

function subscribed(pusher: Pusher, channelName: string): Promise<void> {
  const channel = pusher.subscribe(channelName);
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => resolve());
    channel.bind('pusher:subscription_error', (error: unknown) => reject(new Error(`subscription_error: ${JSON.stringify(error)}`)));
  });
}

/** Every event of the accepted webhooks, in order; each request must be valid for the pusher SDK. */
function delivered(receiver: WebhookReceiver): string[] {
  return receiver.accepted.flatMap((hook) => {
    const webhook = sdk.webhook({ headers: hook.headers as Record<string, string>, rawBody: hook.rawBody });
    if (!webhook.isValid()) throw new Error(`invalid webhook: ${hook.rawBody}`);
    return (webhook.getEvents() as WebhookEvent[]).map((e) => [e.name, e.channel, 'user_id' in e ? e.user_id : undefined].filter(Boolean).join(':'));
  });
}

/** Connections in a channel's presence entries on Redis, whichever gateway they are on. */
async function entries(prefix: string, channel: string): Promise<number> {
  return withRedis((redis) => redis.hlen(`${prefix}presence:pusher.${APP.id}.${channel}`));
}

/** Who holds the webhook sender's lease (a sender's random owner id), if anyone. */
async function leaseHolder(prefix: string): Promise<string | null> {
  return withRedis((redis) => redis.get(`${prefix}journal-lease:pusher-webhooks`));
}

async function withRedis<T>(task: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_TEST_URL);
  try {
    return await task(redis);
  } finally {
    redis.disconnect();
  }
}

const of = (events: string[], channel: string) => events.filter((e) => e.split(':')[1] === channel);

/**
 * Once the sentinel channel's vacated is in, everything journaled before it was sent
 * (one sender, journal order); any second sender would have sent its copies by then too.
 */
async function sentinel(gateway: Service, receiver: WebhookReceiver, name: string): Promise<void> {
  const pusher = client(gateway);
  await subscribed(pusher, name);
  pusher.unsubscribe(name);
  await waitUntil(() => delivered(receiver).includes(`channel_vacated:${name}`), { timeoutMs: 30_000, message: `${name} vacated` });
  pusher.disconnect();
}

function envFor(prefix: string, receiver: WebhookReceiver): Record<string, string> {
  return {
    REDIS_URL: REDIS_TEST_URL,
    REDIS_PREFIX: prefix,
    // Short, so a killed gateway's subscriptions are swept (and its lease lapses) soon.
    PRESENCE_TTL_MS: '2000',
    PUSHER_APP_ID: APP.id,
    PUSHER_APP_KEY: APP.key,
    PUSHER_APP_SECRET: APP.secret,
    PUSHER_WEBHOOK_URL: receiver.url,
    PUSHER_WEBHOOK_BATCH_MS: '20',
  };
}

// Listening before the gateways start: they are told the receiver's URL in their environment.
const receiver = await WebhookReceiver.start();
const failing = await WebhookReceiver.start({ failFirst: 4 });
const takeover = await WebhookReceiver.start();

afterAll(async () => {
  disconnectPusherClients();
  await Promise.all([receiver.close(), failing.close(), takeover.close()]);
});

describe.skipIf(!up)('Pusher webhooks from two gateways on one Redis', () => {
  const prefix = uniquePrefix('hooks');
  const env = envFor(prefix, receiver);
  const services = servicesOnRedis(['chat-gateway', 'chat-gateway'], env, prefix);

  it('channel_occupied / channel_vacated and member_added / member_removed exactly once for the cluster, subscribers on both', async () => {
    const [gw1, gw2] = services as [Service, Service];
    const a = client(gw1);
    const b = client(gw2);
    const tab1 = client(gw1, { user_id: 'u1' });
    const tab2 = client(gw2, { user_id: 'u1' });
    const other = client(gw2, { user_id: 'u2' });
    await subscribed(a, 'orders');
    await subscribed(b, 'orders');
    await subscribed(tab1, 'presence-team');
    await subscribed(tab2, 'presence-team');
    await subscribed(other, 'presence-team');
    a.disconnect();
    b.unsubscribe('orders');
    tab1.disconnect();
    // Both leaves done on Redis before the sentinel, so it comes after them in the journal.
    await waitUntil(async () => (await entries(prefix, 'orders')) === 0 && (await entries(prefix, 'presence-team')) === 2, {
      timeoutMs: 30_000,
      message: 'the leaves on Redis',
    });
    await sentinel(gw1, receiver, 'sentinel-1');
    // The user still has a tab on gw2: not removed.
    expect(of(delivered(receiver), 'presence-team')).toEqual(['channel_occupied:presence-team', 'member_added:presence-team:u1', 'member_added:presence-team:u2']);
    tab2.disconnect();
    await waitUntil(() => delivered(receiver).includes('member_removed:presence-team:u1'), { timeoutMs: 30_000, message: 'u1 removed' });
    other.disconnect();
    await waitUntil(() => delivered(receiver).includes('channel_vacated:presence-team'), { timeoutMs: 30_000, message: 'presence-team vacated' });
    await sentinel(gw2, receiver, 'sentinel-2');

    const events = delivered(receiver);
    expect(of(events, 'orders')).toEqual(['channel_occupied:orders', 'channel_vacated:orders']);
    expect(of(events, 'presence-team')).toEqual([
      'channel_occupied:presence-team',
      'member_added:presence-team:u1',
      'member_added:presence-team:u2',
      'member_removed:presence-team:u1',
      'member_removed:presence-team:u2',
      'channel_vacated:presence-team',
    ]);
  });

  it('kill -9 of a gateway: the sweep\'s member_removed and channel_vacated are sent once, by a survivor', async () => {
    const [gw1] = services as [Service, Service];
    // Started after the others: one of them holds the lease, so the victim is not the sender.
    const doomed = await Service.start('chat-gateway', env);
    await doomed.waitReady();
    const watcher = client(gw1, { user_id: 'watcher' });
    await subscribed(watcher, 'presence-crash');
    const victim = client(doomed, { user_id: 'victim' });
    await subscribed(victim, 'presence-crash');
    await subscribed(victim, 'lonely');
    await waitUntil(() => delivered(receiver).includes('channel_occupied:lonely') && delivered(receiver).includes('member_added:presence-crash:victim'), {
      timeoutMs: 30_000,
      message: 'the victim in',
    });

    await doomed.kill();
    victim.disconnect();
    // Within the presence TTL (2 s) and a sweep; the wait is generous for a busy machine.
    await waitUntil(() => delivered(receiver).includes('member_removed:presence-crash:victim') && delivered(receiver).includes('channel_vacated:lonely'), {
      timeoutMs: 60_000,
      message: 'the sweep\'s webhooks',
    });
    await sentinel(gw1, receiver, 'sentinel-3');
    const events = delivered(receiver);
    expect(of(events, 'presence-crash')).toEqual([
      'channel_occupied:presence-crash',
      'member_added:presence-crash:watcher',
      'member_added:presence-crash:victim',
      'member_removed:presence-crash:victim',
    ]);
    expect(of(events, 'lonely')).toEqual(['channel_occupied:lonely', 'channel_vacated:lonely']);
    watcher.disconnect();
  });
});

describe.skipIf(!up)('Pusher webhooks to a receiver that fails at first', () => {
  const prefix = uniquePrefix('hooks-retry');
  const receiver = failing;
  const services = servicesOnRedis(['chat-gateway', 'chat-gateway'], envFor(prefix, receiver), prefix);

  it('retries with backoff and delivers every event in order, none skipped', async () => {
    const [gw1, gw2] = services as [Service, Service];
    const a = client(gw1);
    const b = client(gw2);
    await subscribed(a, 'one');
    await subscribed(b, 'two');
    a.unsubscribe('one');
    await subscribed(a, 'three');
    b.disconnect();
    a.disconnect();
    await waitUntil(() => of(delivered(receiver), 'three').length === 2, { timeoutMs: 60_000, message: 'all six events' });
    expect(receiver.received.filter((r) => r.status !== 200)).toHaveLength(4);
    const events = delivered(receiver);
    expect(of(events, 'one')).toEqual(['channel_occupied:one', 'channel_vacated:one']);
    expect(of(events, 'two')).toEqual(['channel_occupied:two', 'channel_vacated:two']);
    expect(of(events, 'three')).toEqual(['channel_occupied:three', 'channel_vacated:three']);
    // One order for the cluster: what happened first (on either gateway) was sent first.
    expect(events.indexOf('channel_occupied:one')).toBeLessThan(events.indexOf('channel_occupied:two'));
    expect(events.indexOf('channel_vacated:one')).toBeLessThan(events.indexOf('channel_occupied:three'));
  });
});

describe.skipIf(!up)('Pusher webhooks when the sending gateway is killed', () => {
  const prefix = uniquePrefix('hooks-takeover');
  const env = envFor(prefix, takeover);
  afterAll(async () => {
    await closeEverything();
    await deleteKeys(prefix);
  });

  it('another gateway takes the lease over and sends from the last acknowledged event: nothing lost, nothing acknowledged sent again', async () => {
    // The first gateway alone takes the lease; the second starts once it is held.
    const sender = await Service.start('chat-gateway', env);
    await sender.waitReady();
    await waitUntil(async () => (await leaseHolder(prefix)) !== null, { timeoutMs: 30_000, message: 'the lease taken' });
    const first = await leaseHolder(prefix);
    const survivor = await Service.start('chat-gateway', env);
    await survivor.waitReady();

    const pusher = client(survivor);
    await subscribed(pusher, 'early');
    await waitUntil(() => delivered(takeover).includes('channel_occupied:early'), { timeoutMs: 30_000, message: 'early acknowledged' });

    takeover.failNext(Infinity);
    await subscribed(pusher, 'late');
    pusher.unsubscribe('late');
    // The first sender has acknowledged early (it reads past an entry only after committing it) and is stuck on late.
    await waitUntil(() => takeover.received.some((r) => r.status !== 200 && r.rawBody.includes('"late"')), {
      timeoutMs: 30_000,
      message: 'the sender trying late',
    });
    await sender.kill();
    await waitUntil(async () => ![null, first].includes(await leaseHolder(prefix)), { timeoutMs: 30_000, message: 'the lease taken over' });
    takeover.failNext(0);
    await waitUntil(() => delivered(takeover).includes('channel_vacated:late'), { timeoutMs: 30_000, message: 'late delivered' });
    await sentinel(survivor, takeover, 'sentinel-4');
    const events = delivered(takeover);
    expect(of(events, 'early')).toEqual(['channel_occupied:early']);
    expect(of(events, 'late')).toEqual(['channel_occupied:late', 'channel_vacated:late']);
    pusher.disconnect();
  });
});
