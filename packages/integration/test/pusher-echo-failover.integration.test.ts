import Echo from 'laravel-echo';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertAppsBuilt,
  closeEverything,
  deleteKeys,
  disconnectPusherClients,
  pusherJsClient,
  pusherSdk,
  REDIS_TEST_URL,
  redisAvailable,
  Service,
  uniquePrefix,
  waitUntil,
} from '@herald/testkit';

// Issue 13 with Laravel Echo 2 across two gateways on one Redis: here() lists each user
// once wherever their tabs are, whispers cross instances, and after a kill -9 of one
// gateway its users leave within the presence TTL.
const up = await redisAvailable();
const prefix = uniquePrefix('pusher-echo');
const APP = { id: 'app1', key: 'echo-key', secret: 'echo-secret-0123456789' };
const PRESENCE_TTL_MS = 1500;
const env = {
  REDIS_URL: REDIS_TEST_URL,
  REDIS_PREFIX: prefix,
  PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
  PUSHER_APP_ID: APP.id,
  PUSHER_APP_KEY: APP.key,
  PUSHER_APP_SECRET: APP.secret,
};

interface Person {
  id: string;
  name: string;
}

const sdkFor = (gateway: Service) => pusherSdk(APP, gateway.port);

/** Echo on a pusher-js client of `gateway`; the SDK signs `person` as the presence member, as Laravel's broadcaster does. */
function echoAs(gateway: Service, person: Person): Echo<'pusher'> {
  const client = pusherJsClient(APP, gateway.port, { member: { user_id: person.id, user_info: { ...person } } });
  return new Echo({ broadcaster: 'pusher', key: APP.key, client: client as never });
}

interface Watch {
  here: Person[][];
  joining: Person[];
  leaving: Person[];
  whispers: unknown[];
}

function watch(echo: Echo<'pusher'>, room: string) {
  const seen: Watch = { here: [], joining: [], leaving: [], whispers: [] };
  const channel = echo
    .join(room)
    .here((people: Person[]) => seen.here.push(people))
    .joining((person: Person) => seen.joining.push(person))
    .leaving((person: Person) => seen.leaving.push(person))
    .listenForWhisper('typing', (e: unknown) => seen.whispers.push(e));
  return { seen, channel };
}

const names = (people: Person[]) => people.map((p) => p.name).sort();

describe.skipIf(!up)('Laravel Echo across two gateways on Redis', () => {
  afterAll(async () => {
    disconnectPusherClients();
    await closeEverything();
    await deleteKeys(prefix);
  });

  it('here() counts a user once across instances, whispers cross, and a kill -9 makes its users leave within the presence TTL', async () => {
    assertAppsBuilt(['chat-gateway']);
    const [a, b] = await Promise.all([Service.start('chat-gateway', env), Service.start('chat-gateway', env)]);
    await Promise.all([a.waitReady(), b.waitReady()]);
    const room = 'team.1';

    const ann = watch(echoAs(a, { id: '1', name: 'Ann' }), room);
    await waitUntil(() => ann.seen.here.length === 1, { message: 'here() for Ann' });
    expect(names(ann.seen.here[0]!)).toEqual(['Ann']);

    // Ben has two tabs, one on each gateway; Cat is on B only.
    const benOnA = watch(echoAs(a, { id: '2', name: 'Ben' }), room);
    const benOnB = watch(echoAs(b, { id: '2', name: 'Ben' }), room);
    const cat = watch(echoAs(b, { id: '3', name: 'Cat' }), room);
    await waitUntil(() => benOnA.seen.here.length === 1 && benOnB.seen.here.length === 1 && cat.seen.here.length === 1, { message: 'everyone in' });
    expect(names(cat.seen.here[0]!)).toEqual(['Ann', 'Ben', 'Cat']);
    await waitUntil(() => ann.seen.joining.length === 2, { message: 'Ann told of Ben and Cat' });
    expect(names(ann.seen.joining)).toEqual(['Ben', 'Cat']);

    // A whisper from A reaches B, never its sender.
    ann.channel.whisper('typing', { who: 'Ann' });
    await waitUntil(() => cat.seen.whispers.length === 1 && benOnB.seen.whispers.length === 1, { message: 'the whisper on B' });
    expect(cat.seen.whispers).toEqual([{ who: 'Ann' }]);

    // B dies: Cat leaves; Ben still has a tab on A, so he does not.
    await b.kill();
    await waitUntil(() => ann.seen.leaving.length >= 1, { timeoutMs: PRESENCE_TTL_MS * 10, message: 'leaving() for Cat after the kill' });
    // Once every entry of B is gone (A's two connections left), a marker: Ann's frames
    // are in order, so a wrong leaving() for Ben would have come before it.
    const channelInfo = async () =>
      (await (await sdkFor(a).get({ path: `/channels/presence-${room}`, params: { info: 'subscription_count,user_count' } })).json()) as {
        subscription_count?: number;
        user_count?: number;
      };
    await waitUntil(async () => (await channelInfo()).subscription_count === 2, { timeoutMs: PRESENCE_TTL_MS * 10, message: "B's entries swept" });
    expect((await channelInfo()).user_count).toBe(2);
    const markers: unknown[] = [];
    ann.channel.listen('.marker', (e: unknown) => markers.push(e));
    await sdkFor(a).trigger(`presence-${room}`, 'marker', { n: 1 });
    await waitUntil(() => markers.length === 1, { message: 'the marker at Ann' });
    expect(names(ann.seen.leaving)).toEqual(['Cat']);
    // A late joiner on A sees who is left.
    const dan = watch(echoAs(a, { id: '4', name: 'Dan' }), room);
    await waitUntil(() => dan.seen.here.length === 1, { message: 'here() for Dan' });
    expect(names(dan.seen.here[0]!)).toEqual(['Ann', 'Ben', 'Dan']);
    expect(ann.seen.whispers).toEqual([]);
  });
});
