import { MemoryBus } from '@herald/bus';
import { signApiRequest } from '@herald/pusher';
import { waitUntil } from '@herald/testkit';
import type PusherServer from 'pusher';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startGateway } from './gateway.js';
import { APP, connected, disconnectAllPusherClients, gatewayWithPusher, pusherClient, type PusherGateway, serverSdk, subscribed } from './pusher-client.js';

/** Status and JSON body of an SDK request that the gateway refused. */
async function refusal(request: Promise<unknown>): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  const err = (await request.then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (e: unknown) => e,
  )) as { status?: number; body?: string };
  if (err.status === undefined) throw err;
  return { status: err.status, body: JSON.parse(err.body ?? '') };
}

/** A body the SDK would refuse to send (or mangle), signed as it signs: status and JSON answer. */
async function signedPost(gateway: PusherGateway, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const text = JSON.stringify(body);
  const full = `/apps/${APP.id}${path}`;
  const response = await fetch(`${gateway.http}${full}?${signApiRequest(APP, { method: 'POST', path: full, body: text }, Date.now())}`, {
    method: 'POST',
    body: text,
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

async function json(response: Promise<unknown>): Promise<unknown> {
  return ((await response) as Response).json();
}

/** Binds `event` on `channel` of a subscribed client and collects its data. */
async function listen(client: ReturnType<typeof pusherClient>, channel: string, event: string): Promise<unknown[]> {
  const got: unknown[] = [];
  (await subscribed(client, channel)).channel.bind(event, (data: unknown) => got.push(data));
  return got;
}

afterEach(async () => {
  disconnectAllPusherClients();
  await closeAll();
});

describe('Pusher HTTP API: triggers with the pusher SDK', () => {
  it('trigger reaches pusher-js on one channel and on several at once; the answer is {}', async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const client = pusherClient(gateway);
    await connected(client);
    const [a, b, c] = await Promise.all([listen(client, 'orders', 'created'), listen(client, 'private-a', 'created'), listen(client, 'c', 'created')]);

    expect(await json(sdk.trigger('orders', 'created', { id: 1 }))).toEqual({});
    await sdk.trigger(['private-a', 'c'], 'created', { id: 2 });
    await waitUntil(() => a.length === 1 && b.length === 1 && c.length === 1, { message: 'the three events' });
    expect({ a, b, c }).toEqual({ a: [{ id: 1 }], b: [{ id: 2 }], c: [{ id: 2 }] });
  });

  it('leaves out the socket_id given', async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const [sender, other] = [pusherClient(gateway), pusherClient(gateway)];
    const senderId = await connected(sender);
    await connected(other);
    const got = { sender: await listen(sender, 'news', 'x'), other: await listen(other, 'news', 'x') };
    await sdk.trigger('news', 'x', 'one', { socket_id: senderId });
    await sdk.trigger('news', 'x', 'two');
    // Events of a channel arrive in order: once 'two' is in, 'one' was delivered or left out.
    await waitUntil(() => got.sender.length === 1 && got.other.length === 2, { message: 'both events where they belong' });
    expect(got).toEqual({ sender: ['two'], other: ['one', 'two'] });
  });

  it('triggerBatch of 10 is 200 and delivers all; 11 is 400 and publishes none of them', async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const client = pusherClient(gateway);
    await connected(client);
    const got = await listen(client, 'batch', 'n');
    const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ channel: 'batch', name: 'n', data: { n: from + i } }));

    expect(await json(sdk.triggerBatch(batch(0, 10)))).toEqual({});
    const refused = await refusal(sdk.triggerBatch(batch(100, 11)));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: 'bad_request', message: "batch has 11 events, over Pusher's limit of 10" });
    await sdk.trigger('batch', 'n', { n: 'after' });
    await waitUntil(() => got.length === 11, { message: 'ten events and the marker' });
    expect(got).toEqual([...Array.from({ length: 10 }, (_, n) => ({ n })), { n: 'after' }]);
  });

  it("refuses Pusher's limits in the one error shape: data over 10 KB (413), over 100 channels, bad fields (400)", async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const big = await refusal(sdk.trigger('c', 'e', 'x'.repeat(10_241)));
    expect(big).toEqual({
      status: 413,
      body: { error: { code: 'too_large', message: 'data is 10241 bytes, over the limit of 10240 (PUSHER_MAX_EVENT_DATA_BYTES)' } },
    });
    // At the limit it is accepted (the SDK sends a string as it is).
    expect(await json(sdk.trigger('c', 'e', 'x'.repeat(10_240)))).toEqual({});

    // The SDK refuses more than 100 channels itself: send the body as another client might.
    const channels = Array.from({ length: 101 }, (_, i) => `c${i}`);
    const many = (await signedPost(gateway, '/events', { name: 'e', data: '1', channels })) as Awaited<ReturnType<typeof refusal>>;
    expect(many.status).toBe(400);
    expect(many.body.error.message).toBe("channels has 101 channels, over Pusher's limit of 100 per event");

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ data: '1', channel: 'c' }, 'name must be a string of 1-200 characters'],
      [{ name: 'e', data: { a: 1 }, channel: 'c' }, 'data must be a string (JSON-encode objects, as the Pusher SDKs do)'],
      [{ name: 'e', data: '1' }, 'channels (or channel) is required'],
      [{ name: 'e', data: '1', channel: 'bad name' }, 'channel is not a valid channel name: "bad name"'],
      [{ name: 'e', data: '1', channels: ['ok', 'bad*'] }, 'channels[1] is not a valid channel name: "bad*"'],
      [{ name: 'e', data: '1', channel: 'c', socket_id: 'x' }, 'socket_id must be a socket id like "123.456"'],
    ];
    for (const [body, message] of cases) {
      expect(await signedPost(gateway, '/events', body)).toEqual({ status: 400, body: { error: { code: 'bad_request', message } } });
    }
    const refusals = await gateway.metrics.registry.getSingleMetricAsString('herald_limit_refusals_total');
    expect(refusals).toMatch(/herald_limit_refusals_total\{limit="pusher_event_data",[^}]*\} 1$/m);
    expect(refusals).toMatch(/herald_limit_refusals_total\{limit="pusher_event_channels",[^}]*\} 1$/m);
  });

  it('a body over MAX_MESSAGE_BYTES is 413 before it is read to the end', async () => {
    const gateway = await gatewayWithPusher({ MAX_MESSAGE_BYTES: '2048', PUSHER_MAX_EVENT_DATA_BYTES: '100000' });
    const refused = await refusal(serverSdk(gateway).trigger('c', 'e', 'x'.repeat(3000)));
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('too_large');
  });
});

describe('Pusher HTTP API: request signing', () => {
  const path = `/apps/${APP.id}/events`;
  const body = JSON.stringify({ name: 'e', data: '"1"', channel: 'signed' });

  async function post(gateway: PusherGateway, query: string, sent = body, url = path) {
    const response = await fetch(`${gateway.http}${url}?${query}`, { method: 'POST', body: sent, headers: { 'content-type': 'application/json' } });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  }

  it('a request signed as the SDK does is accepted; forged, stale, tampered, wrong key or app are 401', async () => {
    const gateway = await gatewayWithPusher();
    const client = pusherClient(gateway);
    await connected(client);
    const got = await listen(client, 'signed', 'e');
    const now = Date.now();

    expect(await post(gateway, signApiRequest(APP, { method: 'POST', path, body }, now))).toEqual({ status: 200, body: {} });

    const forged = signApiRequest({ ...APP, secret: 'not-the-secret-0123' }, { method: 'POST', path, body }, now);
    const stale = signApiRequest(APP, { method: 'POST', path, body }, now - 601_000);
    const signed = signApiRequest(APP, { method: 'POST', path, body }, now);
    const tampered = body.replace('"name":"e"', '"name":"f"');
    expect(tampered).not.toBe(body);
    const wrongKey = signApiRequest({ ...APP, key: 'other-key' }, { method: 'POST', path, body }, now);
    const otherApp = signApiRequest({ ...APP, id: 'app2' }, { method: 'POST', path: '/apps/app2/events', body }, now);
    const results = {
      forged: await post(gateway, forged),
      stale: await post(gateway, stale),
      tampered: await post(gateway, signed, tampered),
      wrongKey: await post(gateway, wrongKey),
      otherApp: await post(gateway, otherApp, body, '/apps/app2/events'),
      unsigned: await post(gateway, ''),
    };
    for (const [name, result] of Object.entries(results)) expect({ name, status: result.status }).toEqual({ name, status: 401 });
    expect(results.forged.body.error?.message).toMatch(/^Invalid signature: you should have sent HmacSHA256Hex/);
    expect(results.stale.body.error?.message).toMatch(/^Timestamp expired/);
    expect(results.tampered.body.error?.message).toBe('The body_md5 parameter does not match the MD5 of the body');
    expect(results.wrongKey.body.error?.message).toBe('Unknown auth_key');
    expect(results.otherApp.body.error?.message).toBe('Unknown app id "app2"');
    expect(results.unsigned.body.error).toEqual({ code: 'unauthorized', message: 'Missing parameter: auth_key' });

    // Only the one good request was published: a marker after the refusals is the second event.
    await serverSdk(gateway).trigger('signed', 'e', 'marker');
    await waitUntil(() => got.length === 2, { message: 'the good event and the marker' });
    expect(got).toEqual(['1', 'marker']);
  });

  it('signs the raw body: a body that is not JSON passes the signature, then is a 400', async () => {
    const gateway = await gatewayWithPusher();
    const raw = 'name=e&data=1';
    const response = await fetch(`${gateway.http}${path}?${signApiRequest(APP, { method: 'POST', path, body: raw }, Date.now())}`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'bad_request', message: 'the body is not valid JSON' } });
  });
});

describe('Pusher HTTP API: channel queries', () => {
  async function get(sdk: PusherServer, path: string, params?: Record<string, string>) {
    return json(sdk.get({ path, params }));
  }

  it('channels, channel info and users from who is subscribed (two tabs of one user are one user)', async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const alice1 = pusherClient(gateway, { member: { user_id: 'alice' } });
    const alice2 = pusherClient(gateway, { member: { user_id: 'alice' } });
    const bob = pusherClient(gateway, { member: { user_id: 'bob' } });
    await Promise.all([alice1, alice2, bob].map(connected));
    for (const client of [alice1, alice2, bob]) await subscribed(client, 'presence-room');
    await subscribed(alice1, 'public-1');
    await subscribed(bob, 'public-1');
    await subscribed(bob, 'private-x');

    expect(await get(sdk, '/channels')).toEqual({ channels: { 'presence-room': {}, 'private-x': {}, 'public-1': {} } });
    expect(await get(sdk, '/channels', { filter_by_prefix: 'p' })).toEqual({ channels: { 'presence-room': {}, 'private-x': {}, 'public-1': {} } });
    expect(await get(sdk, '/channels', { filter_by_prefix: 'pu' })).toEqual({ channels: { 'public-1': {} } });
    expect(await get(sdk, '/channels', { filter_by_prefix: 'presence-', info: 'user_count' })).toEqual({ channels: { 'presence-room': { user_count: 2 } } });

    expect(await get(sdk, '/channels/presence-room', { info: 'user_count,subscription_count' })).toEqual({
      occupied: true,
      user_count: 2,
      subscription_count: 3,
    });
    expect(await get(sdk, '/channels/public-1', { info: 'subscription_count' })).toEqual({ occupied: true, subscription_count: 2 });
    expect(await get(sdk, '/channels/empty', { info: 'subscription_count' })).toEqual({ occupied: false, subscription_count: 0 });
    expect(await get(sdk, '/channels/empty')).toEqual({ occupied: false });
    expect(await get(sdk, '/channels/presence-room/users')).toEqual({ users: [{ id: 'alice' }, { id: 'bob' }] });

    // One tab of alice leaves: still two users; bob leaves: one.
    alice2.unsubscribe('presence-room');
    await waitUntil(async () => ((await get(sdk, '/channels/presence-room', { info: 'subscription_count' })) as { subscription_count: number }).subscription_count === 2, {
      message: 'the unsubscribe',
    });
    expect(await get(sdk, '/channels/presence-room/users')).toEqual({ users: [{ id: 'alice' }, { id: 'bob' }] });
    bob.disconnect();
    await waitUntil(async () => ((await get(sdk, '/channels/presence-room/users')) as { users: unknown[] }).users.length === 1, { message: "bob's leave" });
    expect(await get(sdk, '/channels/presence-room/users')).toEqual({ users: [{ id: 'alice' }] });
    expect(await get(sdk, '/channels')).toEqual({ channels: { 'presence-room': {}, 'public-1': {} } });
  });

  it('refuses what Pusher refuses: user_count outside presence channels, users of a non-presence channel, unknown info', async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const cases: Array<[Promise<unknown>, string]> = [
      [sdk.get({ path: '/channels', params: { info: 'user_count' } }), 'info=user_count is only available with filter_by_prefix=presence- (presence channels)'],
      [sdk.get({ path: '/channels', params: { info: 'subscription_count' } }), 'info attribute "subscription_count" is not supported here (supported: user_count)'],
      [sdk.get({ path: '/channels/public-1', params: { info: 'user_count' } }), 'info=user_count is only available for presence channels'],
      [sdk.get({ path: '/channels/private-x/users' }), 'users are only available for presence channels'],
      [sdk.get({ path: '/channels/bad*name' }), 'not a valid channel name: "bad*name"'],
    ];
    for (const [request, message] of cases) {
      expect(await refusal(request)).toEqual({ status: 400, body: { error: { code: 'bad_request', message } } });
    }
  });
});

describe('Pusher HTTP API: users', () => {
  it("sendToUser reaches the signed-in user's connections only", async () => {
    const gateway = await gatewayWithPusher();
    const [user, other] = [pusherClient(gateway, { user: { id: 'u-7' } }), pusherClient(gateway, { user: { id: 'u-8' } })];
    const got: Record<string, unknown[]> = { user: [], other: [] };
    for (const [name, client] of [['user', user], ['other', other]] as const) {
      await connected(client);
      client.user.bind('notice', (d: unknown) => got[name]!.push(d));
      client.signin();
      await client.user.signinDonePromise;
      await waitUntil(() => client.user.serverToUserChannel?.subscribed === true, { message: 'the server-to-user channel' });
    }
    await serverSdk(gateway).sendToUser('u-7', 'notice', { n: 1 });
    await serverSdk(gateway).sendToUser('u-8', 'notice', { n: 2 });
    await waitUntil(() => got.user!.length === 1 && got.other!.length === 1, { message: 'one notice each' });
    expect(got).toEqual({ user: [{ n: 1 }], other: [{ n: 2 }] });
  });
});

describe('Pusher HTTP API: terminate_connections', () => {
  it("closes every connection signed in as the user (pusher-js does not reconnect), and nobody else's", async () => {
    const gateway = await gatewayWithPusher();
    const sdk = serverSdk(gateway);
    const tabs = [pusherClient(gateway, { user: { id: 'u-1' } }), pusherClient(gateway, { user: { id: 'u-1' } })];
    const other = pusherClient(gateway, { user: { id: 'u-2' } });
    for (const client of [...tabs, other]) {
      await connected(client);
      client.signin();
      await client.user.signinDonePromise;
    }
    const errors: unknown[] = [];
    tabs[0]!.connection.bind('message', (message: { event: string; data: unknown }) => {
      if (message.event === 'pusher:error') errors.push(message.data);
    });

    expect(await json(sdk.terminateUserConnections('u-1'))).toEqual({});
    await waitUntil(() => tabs.every((tab) => tab.connection.state === 'disconnected'), { message: "both of u-1's connections closed" });
    expect(errors).toEqual([{ code: 4009, message: 'Connection terminated by the app' }]);
    // A channel trigger still reaches the other user: its connection was never touched.
    const got = await listen(other, 'after', 'e');
    await sdk.trigger('after', 'e', 'still here');
    await waitUntil(() => got.length === 1, { message: 'the event on the other connection' });
    expect(other.connection.state).toBe('connected');
    expect(gateway.app.pusherSockets!.size).toBe(1);
  });
});

describe('Pusher HTTP API: start-up', () => {
  it('holds one control topic per app, so MAX_TOPICS below the number of apps stops start-up with a clear error', async () => {
    const apps = JSON.stringify([
      { id: 'a1', key: 'k1', secret: 'secret-one-1' },
      { id: 'a2', key: 'k2', secret: 'secret-two-2' },
    ]);
    const start = startGateway({ PUSHER_APPS: apps }, { bus: new MemoryBus({ historySize: 10, maxTopics: 1 }) });
    await expect(start).rejects.toThrow('MAX_TOPICS (1) leaves no room for the Pusher control topics (one per app, 2 here)');
    const fits = await startGateway({ PUSHER_APPS: apps }, { bus: new MemoryBus({ historySize: 10, maxTopics: 2 }) });
    expect(await fits.app.inject({ url: '/healthz' }).then((r) => r.statusCode)).toBe(200);
  });
});
