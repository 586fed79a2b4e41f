import { MemoryBus } from '@herald/bus';
import { channelTopic } from '@herald/pusher';
import { describe, expect, it } from 'vitest';
import { ChannelQueries } from './api-channels.js';
import { memberUser } from './member-codec.js';

async function setup() {
  const bus = new MemoryBus({ historySize: 10 });
  const join = (app: string, channel: string, socketId: string, userId = socketId) =>
    bus.presence.join(channelTopic(app, channel), socketId, memberUser({ user_id: userId }));
  return { bus, join, queries: new ChannelQueries(bus.presence) };
}

describe('ChannelQueries', () => {
  it("lists only the app's own channels (not app10's, not chat rooms), with escaped names decoded", async () => {
    const { join, queries, bus } = await setup();
    await join('app1', 'presence-a=b', '1.1', 'u1');
    await join('app1', 'orders@eu', '1.2');
    await join('app10', 'orders', '1.3');
    await bus.presence.join('lobby', 'chat-1', { id: 'x', name: 'x' });
    expect(await queries.list('app1', {})).toEqual({ channels: { 'orders@eu': {}, 'presence-a=b': {} } });
    expect(await queries.list('app1', { filter_by_prefix: 'presence-a=', info: 'user_count' })).toEqual({
      channels: { 'presence-a=b': { user_count: 1 } },
    });
    expect(await queries.list('app10', {})).toEqual({ channels: { orders: {} } });
  });

  it('counts connections and distinct users', async () => {
    const { join, queries } = await setup();
    await join('app1', 'presence-r', '1.1', 'u1');
    await join('app1', 'presence-r', '1.2', 'u1');
    await join('app1', 'presence-r', '1.3', 'u2');
    expect(await queries.channel('app1', 'presence-r', { info: 'user_count,subscription_count' })).toEqual({
      occupied: true,
      user_count: 2,
      subscription_count: 3,
    });
    expect(await queries.users('app1', 'presence-r')).toEqual({ users: [{ id: 'u1' }, { id: 'u2' }] });
    expect(await queries.channel('app2', 'presence-r', {})).toEqual({ occupied: false });
  });
});
