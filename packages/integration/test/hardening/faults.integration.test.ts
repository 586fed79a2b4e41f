import { compareIds } from '@herald/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { FailoverChatMember, FailoverPublisher, FailoverSubscriber } from './failover-clients.js';
import { killStalledClients, StalledClient } from './stalled-process.js';
import { CRASHABLE_REDIS, type CrashableRedis } from '../crashable-redis.js';
import { assertAppsBuilt, ChatTestClient, closeEverything, deleteKeys, publishEvent, REDIS_TEST_URL, redisAvailable, redisServerInstalled, Service, uniquePrefix, waitUntil } from '@herald/testkit';

const up = await redisAvailable();
const haveRedisServer = redisServerInstalled();
const prefix = uniquePrefix('hardening');
const privateRedis: CrashableRedis[] = [];

afterAll(async () => {
  killStalledClients();
  await closeEverything();
  await Promise.all(privateRedis.map((r) => r.dispose()));
  if (up) await deleteKeys(prefix);
});

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

const inOrder = (ids: string[]) => ids.every((id, i) => i === 0 || compareIds(ids[i - 1]!, id) < 0);

/** Two of each service on one Redis, and traffic through all four. */
async function cluster(env: Record<string, string>) {
  assertAppsBuilt();
  const all = { ...env, PRESENCE_TTL_MS: '1500', RATE_LIMIT: '0' };
  const [gw1, gw2, es1, es2] = await Promise.all([
    Service.start('chat-gateway', all),
    Service.start('chat-gateway', all),
    Service.start('event-stream', all),
    Service.start('event-stream', all),
  ]);
  await Promise.all([gw1, gw2, es1, es2].map((s) => s.waitReady()));
  const room = 'hx-fault';
  const readers = [
    new FailoverChatMember([gw1.ws, gw2.ws], 'reader-1', room, false).start(),
    new FailoverChatMember([gw2.ws, gw1.ws], 'reader-2', room, false).start(),
  ];
  const subscribers = [new FailoverSubscriber([es1.http, es2.http], room).start(), new FailoverSubscriber([es2.http, es1.http], room).start()];
  await waitUntil(() => [...readers, ...subscribers].every((c) => c.connections.size > 0), { timeoutMs: 30_000, message: 'readers to connect' });
  const talkers = [
    new FailoverChatMember([gw1.ws, gw2.ws], 'talker-1', room, true).start(),
    new FailoverChatMember([gw2.ws, gw1.ws], 'talker-2', room, true).start(),
  ];
  const publisher = new FailoverPublisher([es1.http, es2.http], room).start();
  const sent = () => Math.min(publisher.acked.length, ...talkers.map((t) => t.acked.length));

  /** Stops the traffic; once every ack has reached every reader, checks exactly-once and order. */
  async function settle(): Promise<void> {
    await Promise.all([publisher.stop(), ...talkers.map((t) => t.stop())]);
    const chatAcked = talkers.flatMap((t) => t.acked);
    const members = [...readers, ...talkers];
    // Stopped talkers read no more: only the readers must end up with every ack.
    const chatLists = readers.map((r) => r.received);
    const report = (err: unknown) => {
      for (const [i, m] of members.entries()) {
        const missing = chatAcked.filter((id) => !m.received.includes(id));
        console.log(`chat member ${i}: ${m.received.length} received, last ${m.received.at(-1)}, connections ${JSON.stringify([...m.connections])}, missing ${missing.join(' ')}`);
      }
      for (const [i, t] of talkers.entries()) console.log(`talker ${i} acked ${t.acked.join(' ')}`);
      for (const [i, sub] of subscribers.entries()) {
        const missing = publisher.acked.filter((id) => !sub.ids.includes(id));
        console.log(`SSE subscriber ${i}: ${sub.ids.length} ids, connections ${JSON.stringify([...sub.connections])}, missing ${missing.join(' ')}`);
      }
      throw err;
    };
    await waitUntil(() => chatLists.every((ids) => chatAcked.every((id) => ids.includes(id))), { timeoutMs: 60_000, message: 'chat members to catch up' }).catch(report);
    await waitUntil(() => subscribers.every((s) => publisher.acked.every((id) => s.ids.includes(id))), { timeoutMs: 60_000, message: 'SSE to catch up' }).catch(report);
    await Promise.all([...readers, ...subscribers].map((c) => c.stop()));
    const lists: Array<[string, string[], Map<string, number>]> = [
      ...members.map((m, i): [string, string[], Map<string, number>] => [`chat member ${i}`, m.received, m.connections]),
      ...subscribers.map((s, i): [string, string[], Map<string, number>] => [`SSE subscriber ${i}`, s.ids, s.connections]),
    ];
    for (const [name, ids, connections] of lists) {
      const dup = duplicates(ids);
      if (dup.length > 0) {
        const at = ids.indexOf(dup[0]!);
        console.log(name, 'duplicate', dup, 'around', ids.slice(Math.max(0, at - 3), at + 4), 'connections', [...connections]);
      }
      expect({ name, duplicates: dup }).toEqual({ name, duplicates: [] });
      expect({ name, inOrder: inOrder(ids) }).toEqual({ name, inOrder: true });
    }
    const refused = publisher.refused + talkers.reduce((n, t) => n + t.refused, 0);
    console.log(`acked: ${chatAcked.length} chat, ${publisher.acked.length} published; ${refused} refused during the fault`);
  }

  return { gw1, gw2, es1, es2, readers, subscribers, talkers, publisher, sent, settle };
}

describe.skipIf(!up)('two gateways and two event streams on the shared Redis', () => {
  it('kill -9 of one of each mid-traffic: clients move to the survivors and resume; no ack lost, none twice, ids in order', async () => {
    const c = await cluster({ REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: `${prefix}kill:` });
    await waitUntil(() => c.sent() >= 20, { timeoutMs: 60_000, message: 'traffic before the kill' });
    await Promise.all([c.gw1.kill(), c.es1.kill()]);
    const before = c.sent();
    await waitUntil(() => c.sent() >= before + 20, { timeoutMs: 60_000, message: 'traffic through the survivors' });
    // Everyone that was on a killed instance is now on the survivor.
    for (const member of [c.readers[0]!, c.talkers[0]!]) expect(member.connections.get(c.gw2.ws)).toBeGreaterThan(0);
    expect(c.subscribers[0]!.connections.get(c.es2.http)).toBeGreaterThan(0);
    expect(c.publisher.connections.get(c.es2.http)).toBeGreaterThan(0);
    await c.settle();
    await Promise.all([c.gw2.stop(), c.es2.stop()]);
  });
});

// The same body on one redis-server and on a 3-master cluster (there the slot's master is killed).
for (const { name, open } of CRASHABLE_REDIS) describe.skipIf(!haveRedisServer)(`two of each on ${name} (appendonly, fsync always)`, () => {
  it('Redis killed and restarted mid-traffic: all four recover; no ack lost, none twice, ids in order', async () => {
    const redis = await open('hx:');
    privateRedis.push(redis);
    await redis.start();
    const c = await cluster({ ...redis.env(), REDIS_PREFIX: 'hx:' });
    await waitUntil(() => c.sent() >= 20, { timeoutMs: 60_000, message: 'traffic before the restart' });
    const refusedBefore = c.publisher.refused + c.talkers.reduce((n, t) => n + t.refused, 0);
    await redis.kill();
    await waitUntil(async () => (await c.es1.status('/readyz')) === 503, { timeoutMs: 30_000, message: 'the outage to be seen' });
    await redis.start();
    await Promise.all([c.gw1, c.gw2, c.es1, c.es2].map((s) => s.waitReady(60_000)));
    const before = c.sent();
    await waitUntil(() => c.sent() >= before + 20, { timeoutMs: 60_000, message: 'traffic after the restart' });
    // The outage was real: something was refused while Redis was gone.
    expect(c.publisher.refused + c.talkers.reduce((n, t) => n + t.refused, 0)).toBeGreaterThan(refusedBefore);
    await c.settle();
    await Promise.all([c.gw1, c.gw2, c.es1, c.es2].map((s) => s.stop()));
  });
});

describe.skipIf(!up)('a stalled client process (SIGSTOP) with a small MAX_BUFFERED_BYTES', () => {
  const env = { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: `${prefix}stall:`, RATE_LIMIT: '0', MAX_BUFFERED_BYTES: '16384' };
  // Large frames, so the kernel's socket buffers (several MiB on loopback) fill in a few hundred.
  const bulky = (n: number) => `${n}:${'x'.repeat(48 * 1024)}`;

  it('chat: cut with 1013 (herald_slow_consumers_closed_total), then resumes with since and gets exactly what it missed', async () => {
    assertAppsBuilt();
    const gateway = await Service.start('chat-gateway', env);
    await gateway.waitReady();
    const client = new StalledClient('ws', gateway.ws, 'hx-stall');
    await waitUntil(() => client.opens >= 1, { timeoutMs: 30_000, message: 'the client process to join' });
    const sender = await ChatTestClient.named(gateway.ws, 'hx-sender');
    await sender.joinRoom('hx-stall');
    const acked: string[] = [];
    for (let i = 0; i < 10; i++) acked.push(await sender.say('hx-stall', `small ${i}`));
    await waitUntil(() => client.ids.length === 10, { timeoutMs: 30_000, message: 'the client to read the first messages' });

    client.stop();
    for (let i = 0; (await gateway.metric('herald_slow_consumers_closed_total')) < 1; i++) {
      expect(i, 'messages sent without the stalled client being cut').toBeLessThan(900);
      for (let j = 0; j < 10; j++) acked.push(await sender.say('hx-stall', bulky(i * 10 + j)));
    }
    for (let i = 0; i < 5; i++) acked.push(await sender.say('hx-stall', `after the cut ${i}`));
    client.resume();

    await waitUntil(() => acked.every((id) => client.ids.includes(id)), { timeoutMs: 60_000, message: 'the client to catch up' });
    expect(client.ids).toEqual(acked);
    expect(client.opens).toBeGreaterThanOrEqual(2);
    // The close frame waits behind the unsent bytes; if the peer stays away longer than
    // ws's close timeout the socket is destroyed instead, and the client sees 1006.
    expect([1013, 1006]).toContain(client.closes[0]);
    console.log(`chat: ${acked.length} acked, client closed with ${client.closes.join(',')}, ${client.opens} joins`);
    await sender.close();
    client.kill();
    await gateway.stop();
  });

  it('SSE: the stream is cut, and the client resumes with Last-Event-ID and gets exactly what it missed', async () => {
    assertAppsBuilt();
    const stream = await Service.start('event-stream', env);
    await stream.waitReady();
    const client = new StalledClient('sse', stream.http, 'hx-stall');
    await waitUntil(() => client.opens >= 1, { timeoutMs: 30_000, message: 'the client process to subscribe' });
    const acked: string[] = [];
    const post = async (data: string) => {
      const id = await publishEvent(stream.http, 'hx-stall', data);
      expect(id).toBeDefined();
      acked.push(id!);
    };
    for (let i = 0; i < 10; i++) await post(`small ${i}`);
    await waitUntil(() => client.ids.length === 10, { timeoutMs: 30_000, message: 'the client to read the first events' });

    client.stop();
    for (let i = 0; (await stream.metric('herald_slow_consumers_closed_total')) < 1; i++) {
      expect(i, 'events published without the stalled stream being cut').toBeLessThan(900);
      for (let j = 0; j < 10; j++) await post(bulky(i * 10 + j));
    }
    for (let i = 0; i < 5; i++) await post(`after the cut ${i}`);
    client.resume();

    await waitUntil(() => acked.every((id) => client.ids.includes(id)), { timeoutMs: 60_000, message: 'the client to catch up' });
    expect(client.ids).toEqual(acked);
    expect(client.opens).toBeGreaterThanOrEqual(2);
    console.log(`SSE: ${acked.length} acked, client stream ended with ${client.closes.join(',')}, ${client.opens} opens`);
    client.kill();
    await stream.stop();
  });
});
