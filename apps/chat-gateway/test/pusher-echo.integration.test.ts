import { waitUntil } from '@herald/testkit';
import Echo from 'laravel-echo';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll } from './gateway.js';
import { connected, disconnectAllPusherClients, gatewayWithPusher, pusherClient, type PusherGateway } from './pusher-client.js';

afterEach(async () => {
  disconnectAllPusherClients();
  await closeAll();
});

interface Person {
  id: string;
  name: string;
}

/** Laravel Echo on a pusher-js client whose auth endpoint signs `person` as the presence member (as Laravel's broadcaster does). */
async function echoAs(gateway: PusherGateway, person: Person): Promise<Echo<'pusher'>> {
  const client = pusherClient(gateway, { member: { user_id: person.id, user_info: { ...person } } });
  await connected(client);
  return new Echo({ broadcaster: 'pusher', key: 'app-key', client: client as never });
}

describe('Laravel Echo 2 on the gateway', () => {
  it('join(): here() lists the people, joining and leaving follow them; whisper reaches the others only', async () => {
    const gateway = await gatewayWithPusher();
    const ann = await echoAs(gateway, { id: '1', name: 'Ann' });
    const here: Person[][] = [];
    const joining: Person[] = [];
    const leaving: Person[] = [];
    const whispers: unknown[] = [];
    ann
      .join('chat.1')
      .here((people: Person[]) => here.push(people))
      .joining((person: Person) => joining.push(person))
      .leaving((person: Person) => leaving.push(person))
      .listenForWhisper('typing', (e: unknown) => whispers.push(e));
    await waitUntil(() => here.length === 1, { message: 'here() for ann' });
    expect(here[0]).toEqual([{ id: '1', name: 'Ann' }]);

    const ben = await echoAs(gateway, { id: '2', name: 'Ben' });
    const benHere: Person[][] = [];
    const benWhispers: unknown[] = [];
    const benRoom = ben
      .join('chat.1')
      .here((people: Person[]) => benHere.push(people))
      .listenForWhisper('typing', (e: unknown) => benWhispers.push(e));
    await waitUntil(() => benHere.length === 1 && joining.length === 1, { message: 'ben in, ann told' });
    expect(benHere[0]!.map((p) => p.name).sort()).toEqual(['Ann', 'Ben']);
    expect(joining).toEqual([{ id: '2', name: 'Ben' }]);

    benRoom.whisper('typing', { who: 'Ben' });
    await waitUntil(() => whispers.length === 1, { message: 'the whisper at ann' });
    expect(whispers).toEqual([{ who: 'Ben' }]);
    expect(benWhispers).toEqual([]);

    ben.leave('chat.1');
    await waitUntil(() => leaving.length === 1, { message: 'leaving() at ann' });
    expect(leaving).toEqual([{ id: '2', name: 'Ben' }]);
  });

  it('private(): listens to a triggered event by its Laravel name', async () => {
    const gateway = await gatewayWithPusher();
    const echo = await echoAs(gateway, { id: '1', name: 'Ann' });
    const got: unknown[] = [];
    echo.private('orders.7').listen('.OrderShipped', (e: unknown) => got.push(e));
    // Triggered once pusher-js has its subscription_succeeded.
    const channel = (echo.connector as unknown as { pusher: { channel(name: string): { subscribed: boolean } } }).pusher.channel('private-orders.7');
    await waitUntil(() => channel.subscribed, { message: 'subscribed' });
    await gateway.app.pusherHub!.publish('app1', 'private-orders.7', { event: 'OrderShipped', data: JSON.stringify({ order: 7 }) });
    await waitUntil(() => got.length === 1, { message: 'the event' });
    expect(got).toEqual([{ order: 7 }]);
  });
});
