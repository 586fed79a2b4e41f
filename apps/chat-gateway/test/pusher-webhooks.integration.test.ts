import type { WebhookEvent } from '@herald/pusher';
import { waitUntil, WebhookReceiver } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startGateway, type TestGateway } from './gateway.js';
import { APP, connected, disconnectAllPusherClients, PUSHER_ENV, pusherClient, serverSdk, subscribed } from './pusher-client.js';

type PusherGateway = TestGateway & { port: number };

const receivers: WebhookReceiver[] = [];

async function setUp(options: { failFirst?: number } = {}): Promise<{ gateway: PusherGateway; receiver: WebhookReceiver }> {
  const receiver = await WebhookReceiver.start(options);
  receivers.push(receiver);
  const gateway = await startGateway({ ...PUSHER_ENV, PUSHER_WEBHOOK_URL: receiver.url, PUSHER_WEBHOOK_BATCH_MS: '20' });
  return { gateway: Object.assign(gateway, { port: Number(new URL(gateway.http).port) }), receiver };
}

/** Every event of the accepted webhooks, in order, each request checked by the pusher SDK first. */
function deliveredEvents(gateway: PusherGateway, receiver: WebhookReceiver): WebhookEvent[] {
  const sdk = serverSdk(gateway);
  return receiver.accepted.flatMap((hook) => {
    const webhook = sdk.webhook({ headers: hook.headers as Record<string, string>, rawBody: hook.rawBody });
    if (!webhook.isValid()) throw new Error(`invalid webhook: ${hook.rawBody}`);
    return webhook.getEvents() as WebhookEvent[];
  });
}

const summary = (e: WebhookEvent) => [e.name, e.channel, 'user_id' in e ? e.user_id : undefined].filter(Boolean).join(':');

afterEach(async () => {
  disconnectAllPusherClients();
  await closeAll();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('Pusher webhooks (one gateway, memory bus), validated by the pusher SDK', () => {
  it('channel_occupied on the first subscriber, channel_vacated when the last one leaves, signed with the app key', async () => {
    const { gateway, receiver } = await setUp();
    const [a, b] = [pusherClient(gateway), pusherClient(gateway)];
    await Promise.all([connected(a), connected(b)]);
    await subscribed(a, 'orders');
    await subscribed(b, 'orders');
    a.unsubscribe('orders');
    b.disconnect();
    await waitUntil(() => deliveredEvents(gateway, receiver).length >= 2, { message: 'two webhook events' });
    expect(deliveredEvents(gateway, receiver).map(summary)).toEqual(['channel_occupied:orders', 'channel_vacated:orders']);
    const hook = receiver.accepted[0]!;
    expect(hook.headers['x-pusher-key']).toBe(APP.key);
    expect(hook.headers['content-type']).toBe('application/json');
    const body = JSON.parse(hook.rawBody) as { time_ms: unknown };
    expect(typeof body.time_ms).toBe('number');
  });

  it('member_added for a user\'s first connection, member_removed for its last; two tabs are one member', async () => {
    const { gateway, receiver } = await setUp();
    const tab1 = pusherClient(gateway, { member: { user_id: 'u1', user_info: { name: 'Ann' } } });
    const tab2 = pusherClient(gateway, { member: { user_id: 'u1', user_info: { name: 'Ann' } } });
    const other = pusherClient(gateway, { member: { user_id: 'u2' } });
    await Promise.all([connected(tab1), connected(tab2), connected(other)]);
    await subscribed(tab1, 'presence-room');
    await subscribed(tab2, 'presence-room');
    await subscribed(other, 'presence-room');
    tab1.disconnect();
    // A sentinel after tab1's leave: once its webhook is in, tab1's leave was handled (the journal is in order).
    await subscribed(other, 'sentinel');
    await waitUntil(() => deliveredEvents(gateway, receiver).some((e) => e.channel === 'sentinel'), { message: 'the sentinel' });
    tab2.disconnect();
    await waitUntil(() => deliveredEvents(gateway, receiver).some((e) => e.name === 'member_removed'), { message: 'u1 removed' });
    other.disconnect();
    await waitUntil(() => deliveredEvents(gateway, receiver).filter((e) => e.name === 'channel_vacated').length >= 2, { message: 'both vacated' });
    const presence = deliveredEvents(gateway, receiver).filter((e) => e.channel === 'presence-room').map(summary);
    expect(presence).toEqual([
      'channel_occupied:presence-room',
      'member_added:presence-room:u1',
      'member_added:presence-room:u2',
      'member_removed:presence-room:u1',
      'member_removed:presence-room:u2',
      'channel_vacated:presence-room',
    ]);
    // member_removed of u1 came after the sentinel: tab1 leaving alone removed nobody.
    const all = deliveredEvents(gateway, receiver).map(summary);
    expect(all.indexOf('member_removed:presence-room:u1')).toBeGreaterThan(all.indexOf('channel_occupied:sentinel'));
  });

  it('client_event with the event, its data as sent, the sender\'s socket_id and, on presence, its user_id', async () => {
    const { gateway, receiver } = await setUp();
    const sender = pusherClient(gateway, { member: { user_id: 'u9' } });
    const peer = pusherClient(gateway, { member: { user_id: 'u8' } });
    const senderId = await connected(sender);
    await connected(peer);
    const { channel } = await subscribed(sender, 'presence-chat');
    await subscribed(peer, 'presence-chat');
    const { channel: priv } = await subscribed(sender, 'private-notes');
    expect(channel.trigger('client-typing', { on: true })).toBe(true);
    expect(priv.trigger('client-note', 'plain text')).toBe(true);
    await waitUntil(() => deliveredEvents(gateway, receiver).filter((e) => e.name === 'client_event').length >= 2, { message: 'two client_event' });
    expect(deliveredEvents(gateway, receiver).filter((e) => e.name === 'client_event')).toEqual([
      { name: 'client_event', channel: 'presence-chat', event: 'client-typing', data: '{"on":true}', socket_id: senderId, user_id: 'u9' },
      { name: 'client_event', channel: 'private-notes', event: 'client-note', data: 'plain text', socket_id: senderId },
    ]);
  });

  it('a receiver that fails at first gets the same events again, in order, until it answers 2xx', async () => {
    const { gateway, receiver } = await setUp({ failFirst: 3 });
    const client = pusherClient(gateway);
    await connected(client);
    await subscribed(client, 'first');
    await subscribed(client, 'second');
    client.unsubscribe('first');
    await waitUntil(() => deliveredEvents(gateway, receiver).some((e) => e.name === 'channel_vacated'), { timeoutMs: 20_000, message: 'the retried webhooks' });
    const failed = receiver.received.filter((r) => r.status !== 200);
    expect(failed).toHaveLength(3);
    // The first failed request and the first accepted one carry the same events: a retry, not a skip.
    const events = (raw: string) => (JSON.parse(raw) as { events: unknown[] }).events;
    expect(events(receiver.accepted[0]!.rawBody)).toEqual(events(failed[0]!.rawBody));
    const sdk = serverSdk(gateway);
    expect(failed.every((r) => sdk.webhook({ headers: r.headers as Record<string, string>, rawBody: r.rawBody }).isValid())).toBe(true);
    expect(deliveredEvents(gateway, receiver).map(summary)).toEqual(['channel_occupied:first', 'channel_occupied:second', 'channel_vacated:first']);
    // The sender counts a request once it has read the answer, just after the receiver recorded it.
    const delivered = new RegExp(`herald_pusher_webhook_requests_total\\{[^}]*outcome="delivered"[^}]*\\} ${receiver.accepted.length}\\n`);
    const scrape = async () => (await gateway.app.inject({ url: '/metrics' })).body;
    await waitUntil(async () => delivered.test(await scrape()), { message: 'the delivered requests counted' });
    const metrics = await scrape();
    expect(metrics).toMatch(/herald_pusher_webhook_requests_total\{[^}]*outcome="failed"[^}]*\} 3\n/);
    expect(metrics).toMatch(/herald_pusher_webhook_events_total\{[^}]*\} 3\n/);
  }, 30_000);

  it('a drain sends the vacated of the sockets it closed before the gateway has closed', async () => {
    const { gateway, receiver } = await setUp();
    const client = pusherClient(gateway, { member: { user_id: 'u1' } });
    await connected(client);
    await subscribed(client, 'presence-drained');
    await waitUntil(() => deliveredEvents(gateway, receiver).length >= 2, { message: 'occupied and member_added' });
    await gateway.close();
    expect(deliveredEvents(gateway, receiver).map(summary)).toEqual([
      'channel_occupied:presence-drained',
      'member_added:presence-drained:u1',
      'member_removed:presence-drained:u1',
      'channel_vacated:presence-drained',
    ]);
  });

  it('sends nothing without PUSHER_WEBHOOK_URL and journals no client events', async () => {
    const gateway = await startGateway(PUSHER_ENV);
    expect(gateway.app.pusherWebhooks).toBeUndefined();
    const port = Number(new URL(gateway.http).port);
    const client = pusherClient({ port }, { member: { user_id: 'u1' } });
    await connected(client);
    const from = await gateway.bus.journal.cursor('test');
    const { channel } = await subscribed(client, 'private-x');
    channel.trigger('client-x', 1);
    client.unsubscribe('private-x');
    await waitUntil(async () => (await gateway.bus.journal.read(from, 10)).some((e) => e.kind === 'vacated'), { message: 'vacated journaled' });
    expect((await gateway.bus.journal.read(from, 10)).map((e) => e.kind)).toEqual(['occupied', 'vacated']);
  });
});
