import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  disconnectPusherClients,
  pusherConnected,
  pusherJsClient,
  pusherSdk,
  RedisProcess,
  REDIS_TEST_URL,
  redisAvailable,
  redisServerInstalled,
  Service,
  uniquePrefix,
  waitUntil,
  type PusherJsClient as Pusher,
} from '@herald/testkit';
import { servicesOnRedis } from './on-redis.js';

const up = await redisAvailable();
const prefix = uniquePrefix('pusher');
const APP = { id: 'app1', key: 'app-key', secret: 'app-secret-0123456789' };
const env = {
  REDIS_URL: REDIS_TEST_URL,
  REDIS_PREFIX: prefix,
  PUSHER_APP_ID: APP.id,
  PUSHER_APP_KEY: APP.key,
  PUSHER_APP_SECRET: APP.secret,
};

/** The pusher server SDK pointed at one gateway's HTTP API. */
const sdkFor = (gateway: Service) => pusherSdk(APP, gateway.port);

/** A pusher-js client of `gateway`, as an app configures it for Herald; the SDK stands in for the app's auth endpoint. */
const client = (gateway: Service, member?: { user_id: string }, user?: { id: string }): Pusher =>
  pusherJsClient(APP, gateway.port, { member, user: user ?? { id: 'nobody' } });

const connected = pusherConnected;

/** Subscribes, collecting `event`'s data; resolves after subscription_succeeded. */
function listen(pusher: Pusher, channelName: string, event = 'e'): Promise<unknown[]> {
  const got: unknown[] = [];
  const channel = pusher.subscribe(channelName);
  channel.bind(event, (data: unknown) => got.push(data));
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => resolve(got));
    channel.bind('pusher:subscription_error', (error: unknown) => reject(new Error(`subscription_error ${JSON.stringify(error)}`)));
  });
}

async function get(gateway: Service, path: string, params?: Record<string, string>): Promise<unknown> {
  return (await sdkFor(gateway).get({ path, params })).json();
}

afterEach(disconnectPusherClients);

describe.skipIf(!up)('Pusher on two gateways on one Redis', () => {
  const services = servicesOnRedis(['chat-gateway', 'chat-gateway'], env, prefix);
  let a: Service;
  let b: Service;
  beforeAll(() => void ([a, b] = services as [Service, Service]));

  it('a pusher-js client on B receives a trigger sent to A, on one channel and on several', async () => {
    const onB = client(b);
    await connected(onB);
    const [orders, alerts] = await Promise.all([listen(onB, 'orders', 'created'), listen(onB, 'private-alerts', 'created')]);
    await sdkFor(a).trigger('orders', 'created', { id: 1 });
    await sdkFor(a).trigger(['orders', 'private-alerts'], 'created', { id: 2 });
    await waitUntil(() => orders.length === 2 && alerts.length === 1, { timeoutMs: 20_000, message: 'the events on B' });
    expect({ orders, alerts }).toEqual({ orders: [{ id: 1 }, { id: 2 }], alerts: [{ id: 2 }] });
  });

  it('socket_id exclusion works across the two: the sender on A is left out of a trigger sent to B', async () => {
    const sender = client(a);
    const sameInstance = client(a);
    const otherInstance = client(b);
    const senderId = await connected(sender);
    await Promise.all([connected(sameInstance), connected(otherInstance)]);
    const got = {
      sender: await listen(sender, 'chat'),
      sameInstance: await listen(sameInstance, 'chat'),
      otherInstance: await listen(otherInstance, 'chat'),
    };
    await sdkFor(b).trigger('chat', 'e', 'from the sender', { socket_id: senderId });
    await sdkFor(b).trigger('chat', 'e', 'marker');
    // One topic, one order everywhere: once the marker is in, the first event was delivered or left out.
    await waitUntil(() => Object.values(got).every((list) => list.includes('marker')), { timeoutMs: 20_000, message: 'the marker everywhere' });
    expect(got).toEqual({
      sender: ['marker'],
      sameInstance: ['from the sender', 'marker'],
      otherInstance: ['from the sender', 'marker'],
    });
  });

  it('channels, channel and users are the same on both instances and count subscribers on both', async () => {
    const alice1 = client(a, { user_id: 'alice' });
    const alice2 = client(b, { user_id: 'alice' });
    const bob = client(b, { user_id: 'bob' });
    await Promise.all([alice1, alice2, bob].map(connected));
    for (const pusher of [alice1, alice2, bob]) await listen(pusher, 'presence-lobby');
    await listen(alice1, 'public-q');
    await listen(bob, 'public-q');

    for (const gateway of [a, b]) {
      expect(await get(gateway, '/channels', { filter_by_prefix: 'presence-', info: 'user_count' })).toEqual({
        channels: { 'presence-lobby': { user_count: 2 } },
      });
      expect(await get(gateway, '/channels', { filter_by_prefix: 'public-' })).toEqual({ channels: { 'public-q': {} } });
      expect(await get(gateway, '/channels/presence-lobby', { info: 'user_count,subscription_count' })).toEqual({
        occupied: true,
        user_count: 2,
        subscription_count: 3,
      });
      expect(await get(gateway, '/channels/public-q', { info: 'subscription_count' })).toEqual({ occupied: true, subscription_count: 2 });
      expect(await get(gateway, '/channels/presence-lobby/users')).toEqual({ users: [{ id: 'alice' }, { id: 'bob' }] });
    }

    // Bob (on B) goes: A answers without him.
    bob.disconnect();
    await waitUntil(async () => ((await get(a, '/channels/presence-lobby/users')) as { users: unknown[] }).users.length === 1, {
      timeoutMs: 20_000,
      message: "bob's leave, seen from A",
    });
    expect(await get(a, '/channels/presence-lobby', { info: 'user_count,subscription_count' })).toEqual({
      occupied: true,
      user_count: 1,
      subscription_count: 2,
    });
    expect(await get(a, '/channels/public-q', { info: 'subscription_count' })).toEqual({ occupied: true, subscription_count: 1 });
  });

  it("terminate_connections sent to A closes the user's connection on B", async () => {
    const onB = client(b, undefined, { id: 'u-term' });
    await connected(onB);
    onB.signin();
    await onB.user.signinDonePromise;
    await sdkFor(a).terminateUserConnections('u-term');
    await waitUntil(() => onB.connection.state === 'disconnected', { timeoutMs: 20_000, message: 'the connection on B closed' });
  });
});

describe.skipIf(!redisServerInstalled())('Pusher on a gateway whose Redis is down at start (private redis-server)', () => {
  const servers: RedisProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
  });

  it('starts (the control topic subscription does not hold start-up), then triggers and terminates once Redis is up', async () => {
    const redis = await RedisProcess.reserve();
    servers.push(redis);
    const gateway = await Service.start('chat-gateway', { ...env, REDIS_URL: redis.url });
    expect(await gateway.status('/healthz')).toBe(200);
    expect(await gateway.status('/readyz')).toBe(503);
    await redis.start();
    await gateway.waitReady();

    const pusher = client(gateway, undefined, { id: 'u-late' });
    await connected(pusher);
    const got = await listen(pusher, 'late');
    await sdkFor(gateway).trigger('late', 'e', 'hello');
    await waitUntil(() => got.length === 1, { timeoutMs: 20_000, message: 'the trigger' });
    pusher.signin();
    await pusher.user.signinDonePromise;
    await sdkFor(gateway).terminateUserConnections('u-late');
    await waitUntil(() => pusher.connection.state === 'disconnected', { timeoutMs: 20_000, message: 'the terminated connection' });
    await gateway.stop();
  });
});
