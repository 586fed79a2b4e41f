import { channelTopic } from '@herald/pusher';
import { waitUntil } from '@herald/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startGateway, type TestGateway } from './gateway.js';
import { APP, connected, disconnectAllPusherClients, PUSHER_ENV, pusherClient, subscribed } from './pusher-client.js';

type PusherGateway = TestGateway & { port: number };

async function gatewayWithPusher(env: Record<string, string> = {}): Promise<PusherGateway> {
  const gateway = await startGateway({ ...PUSHER_ENV, ...env });
  return Object.assign(gateway, { port: Number(new URL(gateway.http).port) });
}

afterEach(async () => {
  disconnectAllPusherClients();
  await closeAll();
});

interface MembersLike {
  count: number;
  each(callback: (member: { id: string; info: unknown }) => void): void;
}

function memberIds(members: MembersLike): string[] {
  const ids: string[] = [];
  members.each((m) => ids.push(m.id));
  return ids.sort();
}

describe('Pusher presence channels with pusher-js', () => {
  it('lists members by user id (two tabs of one user are one member) and tells joins and leaves of a user, not of a tab', async () => {
    const gateway = await gatewayWithPusher();
    const alice = pusherClient(gateway, { member: { user_id: 'alice', user_info: { name: 'Alice' } } });
    await connected(alice);
    const { channel: aliceRoom, data: first } = await subscribed(alice, 'presence-room');
    expect(memberIds(first as MembersLike)).toEqual(['alice']);
    const added: string[] = [];
    const removed: string[] = [];
    aliceRoom.bind('pusher:member_added', (m: { id: string; info: unknown }) => added.push(`${m.id}:${JSON.stringify(m.info)}`));
    aliceRoom.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));

    const bobTabs = [0, 1].map(() => pusherClient(gateway, { member: { user_id: 'bob', user_info: { name: 'Bob' } } }));
    const bobFirst = await subscribed(bobTabs[0]!, 'presence-room');
    expect(memberIds(bobFirst.data as MembersLike)).toEqual(['alice', 'bob']);
    const bobSecond = await subscribed(bobTabs[1]!, 'presence-room');
    expect((bobSecond.data as MembersLike).count).toBe(2);
    await waitUntil(() => added.length >= 1, { message: 'member_added for bob' });
    expect(added).toEqual(['bob:{"name":"Bob"}']);

    bobTabs[0]!.disconnect();
    const topic = channelTopic(APP.id, 'presence-room');
    await waitUntil(async () => (await gateway.bus.presence.members(topic)).length === 2, { message: 'bob\'s first tab gone' });
    // An event after the leave: alice's frames are in order, so a member_removed would be there first.
    const marks: unknown[] = [];
    aliceRoom.bind('mark', (d: unknown) => marks.push(d));
    await gateway.app.pusherHub!.publish(APP.id, 'presence-room', { event: 'mark', data: '1' });
    await waitUntil(() => marks.length === 1, { message: 'the mark' });
    expect(removed).toEqual([]);
    bobTabs[1]!.disconnect();
    await waitUntil(() => removed.length >= 1, { message: 'member_removed for bob' });
    expect(removed).toEqual(['bob']);
    expect(added).toEqual(['bob:{"name":"Bob"}']);
  });

  it('refuses a presence subscription without valid channel_data', async () => {
    const gateway = await gatewayWithPusher();
    const client = pusherClient(gateway); // no member: the SDK signs without channel_data
    await connected(client);
    const refused = await subscribed(client, 'presence-x').then(
      () => undefined,
      (err: { detail: unknown }) => err.detail,
    );
    expect(refused).toMatchObject({ type: 'AuthError' });
  });
});

describe('Pusher client events (whisper)', () => {
  it('reach the other subscribers with user_id on presence channels, never the sender', async () => {
    const gateway = await gatewayWithPusher();
    const alice = pusherClient(gateway, { member: { user_id: 'alice' } });
    const bob = pusherClient(gateway, { member: { user_id: 'bob' } });
    const { channel: aliceRoom } = await subscribed(alice, 'presence-chat');
    const { channel: bobRoom } = await subscribed(bob, 'presence-chat');
    const atBob: Array<{ data: unknown; userId: unknown }> = [];
    const atAlice: unknown[] = [];
    bobRoom.bind('client-typing', (data: unknown, metadata: { user_id?: string }) => atBob.push({ data, userId: metadata?.user_id }));
    aliceRoom.bind('client-typing', (data: unknown) => atAlice.push(data));
    expect(aliceRoom.trigger('client-typing', { typing: true })).toBe(true);
    await waitUntil(() => atBob.length === 1, { message: 'the whisper at bob' });
    expect(atBob).toEqual([{ data: { typing: true }, userId: 'alice' }]);
    // A second event after it: by then the first would have reached alice if it were echoed.
    bobRoom.trigger('client-typing', { typing: false });
    await waitUntil(() => atAlice.length === 1, { message: 'bob\'s whisper at alice' });
    expect(atAlice).toEqual([{ typing: false }]);
  });

  it('are refused on public channels and past the rate limit, with pusher:error', async () => {
    const gateway = await gatewayWithPusher({ PUSHER_CLIENT_EVENT_RATE: '2' });
    const client = pusherClient(gateway);
    const errors: Array<{ code: unknown; message: unknown }> = [];
    client.connection.bind('error', (err: { data?: { code: unknown; message: unknown } }) => {
      if (err.data) errors.push({ code: err.data.code, message: err.data.message });
    });
    const { channel: open } = await subscribed(client, 'public-1');
    const { channel: priv } = await subscribed(client, 'private-1');
    // pusher-js itself refuses client events on public channels; send the raw frame as another client could.
    client.send_event('client-x', { a: 1 }, open.name);
    for (let i = 0; i < 3; i++) priv.trigger('client-x', { i });
    await waitUntil(() => errors.length >= 2, { message: 'two pusher:error' });
    expect(errors[0]!.message).toMatch(/only allowed on private and presence/);
    expect(errors.some((e) => e.code === 4301)).toBe(true);
  });
});

describe('Pusher cache channels and sign-in', () => {
  it('sends a cache channel\'s last event on subscribe, and cache_miss when there is none', async () => {
    const gateway = await gatewayWithPusher();
    await gateway.app.pusherHub!.publish(APP.id, 'cache-prices', { event: 'price', data: '{"eur":1}' });
    await gateway.app.pusherHub!.publish(APP.id, 'cache-prices', { event: 'price', data: '{"eur":2}' });
    const client = pusherClient(gateway);
    const prices: unknown[] = [];
    const misses: string[] = [];
    const channel = client.subscribe('cache-prices');
    channel.bind('price', (d: unknown) => prices.push(d));
    const empty = client.subscribe('cache-empty');
    empty.bind('pusher:cache_miss', () => misses.push('cache-empty'));
    await waitUntil(() => prices.length === 1 && misses.length === 1, { message: 'the cached event and the miss' });
    expect(prices).toEqual([{ eur: 2 }]);
  });

  it('signs a user in and delivers to its server-to-user channel; another socket cannot subscribe to it', async () => {
    const gateway = await gatewayWithPusher();
    const client = pusherClient(gateway, { user: { id: 'u-1', name: 'One' } });
    await connected(client);
    const got: unknown[] = [];
    client.user.bind('notice', (d: unknown) => got.push(d));
    client.signin();
    await client.user.signinDonePromise;
    await waitUntil(() => client.user.serverToUserChannel?.subscribed === true, { message: 'the server-to-user channel' });
    await gateway.app.pusherHub!.publish(APP.id, '#server-to-user-u-1', { event: 'notice', data: '"hello"' });
    await waitUntil(() => got.length === 1, { message: 'the notice' });
    expect(got).toEqual(['hello']);

    const other = pusherClient(gateway);
    await connected(other);
    // pusher-js will not subscribe to a reserved name itself: send the frame as any client could.
    const refusals: unknown[] = [];
    other.connection.bind('message', (message: { event: string; channel?: string; data: unknown }) => {
      if (message.event === 'pusher:subscription_error') refusals.push(message.data);
    });
    other.send_event('pusher:subscribe', { channel: '#server-to-user-u-1' });
    await waitUntil(() => refusals.length === 1, { message: 'the refusal' });
    const refused = refusals[0];
    expect(refused).toMatchObject({ status: 403 });
  });
});

describe('Pusher limits', () => {
  it('refuses a channel past MAX_TOPICS with subscription_error 503; the connection and its other channels stay', async () => {
    const gateway = await gatewayWithPusher({ MAX_TOPICS: '1' });
    const client = pusherClient(gateway);
    const { channel: first } = await subscribed(client, 'one');
    const refused = await subscribed(client, 'two').then(
      () => undefined,
      (err: { detail: unknown }) => err.detail,
    );
    expect(refused).toMatchObject({ status: 503, error: expect.stringMatching(/MAX_TOPICS/) });
    const got: unknown[] = [];
    first.bind('e', (d: unknown) => got.push(d));
    await gateway.app.pusherHub!.publish(APP.id, 'one', { event: 'e', data: '"still here"' });
    await waitUntil(() => got.length === 1, { message: 'the event on the first channel' });
    expect(client.connection.state).toBe('connected');
    expect(await gateway.app.inject({ url: '/metrics' }).then((r) => r.body)).toMatch(/herald_limit_refusals_total\{[^}]*limit="topics"[^}]*\} 1/);
  });

  it('spends the JOIN_RATE_LIMIT bucket on subscribes: past JOIN_BURST a subscribe is refused 429, the connection stays', async () => {
    const gateway = await gatewayWithPusher({ JOIN_RATE_LIMIT: '1', JOIN_BURST: '2' });
    const client = pusherClient(gateway);
    await connected(client);
    // Five at once: two from the burst, and at most one more per second of refill.
    const outcomes = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) =>
        subscribed(client, name).then(
          () => 'ok',
          (err: { detail: { status?: number; error?: string } }) => `${err.detail.status}:${/JOIN_RATE_LIMIT/.test(err.detail.error ?? '')}`,
        ),
      ),
    );
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(outcomes.filter((o) => o === '429:true').length).toBeGreaterThanOrEqual(1);
    expect(outcomes.every((o) => o === 'ok' || o === '429:true')).toBe(true);
    expect(client.connection.state).toBe('connected');
    expect(await gateway.app.inject({ url: '/metrics' }).then((r) => r.body)).toMatch(/herald_limit_refusals_total\{[^}]*limit="joins"[^}]*\} [1-3]/);
  });
});
