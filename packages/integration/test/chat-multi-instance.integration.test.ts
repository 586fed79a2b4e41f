import { redisTargets, servicesOn } from './on-redis.js';
import type { ServerMessage } from '@herald/protocol';
import { compareIds } from '@herald/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatTestClient, Service, SseReader, uniquePrefix, waitUntil } from '@herald/testkit';

// The same suite on the shared Redis and on a 3-master cluster of its own.
for (const redis of await redisTargets()) describe.skipIf(!redis.available)(`two chat gateways on ${redis.name}`, () => {
  const prefix = uniquePrefix('chat');
  // A short presence TTL so a killed gateway's members are swept quickly.
  const { services, env } = servicesOn(redis, ['chat-gateway', 'chat-gateway'], prefix, { PRESENCE_TTL_MS: '1500', RATE_LIMIT: '0' });
  let gw1: Service;
  let gw2: Service;
  beforeAll(() => void ([gw1, gw2] = services as [Service, Service]));

  it('every member, on either instance, gets every message in one order with the same ids', async () => {
    const clients = await Promise.all([
      ChatTestClient.named(gw1.ws, 'alice'),
      ChatTestClient.named(gw2.ws, 'bob'),
      ChatTestClient.named(gw1.ws, 'carol'),
      ChatTestClient.named(gw2.ws, 'dave'),
    ]);
    for (const c of clients) await c.joinRoom('order');

    // Everyone talks at once, through both instances.
    const acked = await Promise.all(
      clients.flatMap((c, who) => Array.from({ length: 10 }, (_, i) => c.say('order', `m${who}-${i}`))),
    );
    await waitUntil(() => clients.every((c) => c.messages('order').length >= 40), { timeoutMs: 30_000, message: '40 messages each' });

    const reference = clients[0]!.messages('order').map((m) => m.id);
    for (const c of clients) {
      expect(c.messages('order').map((m) => m.id)).toEqual(reference);
      expect(c.messages('order').map((m) => m.text)).toEqual(clients[0]!.messages('order').map((m) => m.text));
    }
    expect([...reference].sort(compareIds)).toEqual(reference);
    expect([...acked].sort(compareIds)).toEqual(reference);
  });

  it('the member list and presence events span both instances', async () => {
    const a = await ChatTestClient.named(gw1.ws, 'ann');
    const b = await ChatTestClient.named(gw2.ws, 'ben');
    await a.joinRoom('who');
    const mark = a.received.length;
    const joined = await b.joinRoom('who');
    expect(joined.members.map((m) => m.name).sort()).toEqual(['ann', 'ben']);
    const presence = await a.find((f) => f.type === 'presence' && f.room === 'who', mark);
    expect(presence).toMatchObject({ event: 'join', user: { name: 'ben' } });

    const leaveMark = a.received.length;
    await b.close();
    const left = await a.find((f) => f.type === 'presence' && f.event === 'leave', leaveMark);
    expect(left).toMatchObject({ room: 'who', user: { name: 'ben' } });
  });

  it('`since` recovers exactly the missed messages on whichever instance the client comes back to', async () => {
    const talker = await ChatTestClient.named(gw1.ws, 'talker');
    await talker.joinRoom('resume');
    const reader = await ChatTestClient.named(gw1.ws, 'reader');
    await reader.joinRoom('resume');
    await talker.say('resume', 'seen-1');
    const seen = await talker.say('resume', 'seen-2');
    await waitUntil(() => reader.messages('resume').some((m) => m.id === seen), { timeoutMs: 20_000, message: 'the reader to see seen-2' });
    await reader.close();

    const missed: string[] = [];
    for (let i = 0; i < 5; i++) missed.push(await talker.say('resume', `missed-${i}`));

    // Back on the other instance.
    const back = await ChatTestClient.named(gw2.ws, 'reader');
    const joined = await back.joinRoom('resume', seen);
    expect(joined.recovered).toBe(true);
    expect(joined.history.map((m) => m.id)).toEqual(missed);
    expect(joined.history.map((m) => m.text)).toEqual(missed.map((_, i) => `missed-${i}`));

    // And the other way round, gw2 → gw1.
    const last = missed.at(-1)!;
    await back.close();
    const more = [await talker.say('resume', 'later')];
    const again = await ChatTestClient.named(gw1.ws, 'reader');
    const rejoined = await again.joinRoom('resume', last);
    expect(rejoined.history.map((m) => m.id)).toEqual(more);
  });

  it('a room is readable on the event stream as topic chat.<room>, with the same ids', async () => {
    const stream = await Service.start('event-stream', env);
    await stream.waitReady();
    const sse = await SseReader.resume(`${stream.http}/sse?topic=chat.bridge`);
    expect(sse.status).toBe(200);
    const client = await ChatTestClient.named(gw2.ws, 'bridger');
    await client.joinRoom('bridge');
    const ids = [await client.say('bridge', 'over'), await client.say('bridge', 'the bridge')];
    await waitUntil(() => sse.events.filter((e) => e.id).length >= 2, { timeoutMs: 20_000, message: 'two SSE events' });
    const events = sse.events.filter((e) => e.id);
    expect(events.map((e) => e.id)).toEqual(ids);
    const payloads = events.map((e) => JSON.parse(e.data) as { room: string; text: string; from: { name: string } });
    expect(payloads.map((p) => [p.room, p.from.name, p.text])).toEqual([
      ['bridge', 'bridger', 'over'],
      ['bridge', 'bridger', 'the bridge'],
    ]);
    sse.close();
  });

  it('kill -9 of a gateway: its members leave on the other instance within the presence TTL', async () => {
    const doomed = await Service.start('chat-gateway', env);
    await doomed.waitReady();
    const watcher = await ChatTestClient.named(gw1.ws, 'watcher');
    await watcher.joinRoom('crash');
    const victim = await ChatTestClient.named(doomed.ws, 'victim');
    const mark = watcher.received.length;
    await victim.joinRoom('crash');
    await watcher.find((f) => f.type === 'presence' && f.event === 'join', mark);

    const leaveMark = watcher.received.length;
    await doomed.kill();
    const isVictimLeave = (f: ServerMessage) =>
      f.type === 'presence' && f.event === 'leave' && (f.user as { name?: string }).name === 'victim';
    // Bounded by the TTL (1.5 s) plus one sweep; the wait is generous for a busy machine.
    await watcher.find(isVictimLeave, leaveMark, 30_000);

    const late = await ChatTestClient.named(gw2.ws, 'late');
    const joined = await late.joinRoom('crash');
    expect(joined.members.map((m) => m.name).sort()).toEqual(['late', 'watcher']);
  });
});
