import { waitUntil } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, type TestGateway } from './gateway.js';
import { APP, connected, disconnectAllPusherClients, gatewayWithPusher, pusherClient, subscribed } from './pusher-client.js';

function trigger(gateway: TestGateway, channel: string, event: string, data: string, exclude?: string) {
  return gateway.app.pusherHub!.publish(APP.id, channel, { event, data, exclude });
}

afterEach(async () => {
  disconnectAllPusherClients();
  await closeAll();
});

describe('Pusher protocol 7 with pusher-js (Node)', () => {
  it('connects, subscribes to a public channel and receives its events', async () => {
    const gateway = await gatewayWithPusher();
    const client = pusherClient(gateway);
    const socketId = await connected(client);
    expect(socketId).toMatch(/^\d+\.\d+$/);
    const { channel } = await subscribed(client, 'orders');
    const got: unknown[] = [];
    channel.bind('created', (data: unknown) => got.push(data));
    await trigger(gateway, 'orders', 'created', JSON.stringify({ id: 7 }));
    await waitUntil(() => got.length === 1, { message: 'the event' });
    expect(got).toEqual([{ id: 7 }]);
  });

  it('leaves out the excluded socket_id', async () => {
    const gateway = await gatewayWithPusher();
    const [a, b] = [pusherClient(gateway), pusherClient(gateway)];
    const aId = await connected(a);
    await connected(b);
    const got: Record<string, unknown[]> = { a: [], b: [] };
    (await subscribed(a, 'news')).channel.bind('x', (d: unknown) => got.a!.push(d));
    (await subscribed(b, 'news')).channel.bind('x', (d: unknown) => got.b!.push(d));
    await trigger(gateway, 'news', 'x', '"1"', aId);
    await trigger(gateway, 'news', 'x', '"2"');
    await waitUntil(() => got.b!.length === 2 && got.a!.length === 1, { message: 'both events where they belong' });
    expect(got).toEqual({ a: ['2'], b: ['1', '2'] });
  });

  it('authorizes a private channel by the SDK signature, and refuses a signature for another socket', async () => {
    const gateway = await gatewayWithPusher();
    const client = pusherClient(gateway);
    await connected(client);
    await subscribed(client, 'private-inbox');
    // A forged auth: the signature of another socket id.
    const forger = pusherClient(gateway, { signFor: '1234.5678' });
    await connected(forger);
    const refused = await subscribed(forger, 'private-inbox').then(
      () => undefined,
      (err: { detail: unknown }) => err.detail,
    );
    expect(refused).toMatchObject({ type: 'AuthError', status: 401 });
  });
});
