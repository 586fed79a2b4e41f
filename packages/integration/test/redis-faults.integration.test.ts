import { afterAll, describe, expect, it } from 'vitest';
import { CRASHABLE_REDIS, type CrashableRedis } from './crashable-redis.js';
import { Publisher, ResumingChatMember, ResumingSseSubscriber } from './resuming.js';
import { assertAppsBuilt, closeEverything, RedisProcess, redisServerInstalled, Service, waitUntil } from '@herald/testkit';

const haveRedisServer = redisServerInstalled();
const servers: Array<RedisProcess | CrashableRedis> = [];

async function startBoth(redis: RedisProcess | CrashableRedis): Promise<[Service, Service]> {
  const env = redis instanceof RedisProcess ? { REDIS_URL: redis.url } : redis.env();
  return Promise.all([Service.start('chat-gateway', env), Service.start('event-stream', env)]);
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

describe.skipIf(!haveRedisServer)('both services when Redis fails (private redis-server)', () => {
  afterAll(async () => {
    await closeEverything();
    await Promise.all(servers.map((s) => s.dispose()));
  });

  it('Redis down at start: /readyz answers 503, then 200 once Redis is up', async () => {
    assertAppsBuilt();
    const redis = await RedisProcess.reserve();
    servers.push(redis);
    const [gateway, stream] = await startBoth(redis);
    expect(await gateway.status('/healthz')).toBe(200);
    expect(await gateway.status('/readyz')).toBe(503);
    expect(await stream.status('/readyz')).toBe(503);

    await redis.start();
    await Promise.all([gateway.waitReady(), stream.waitReady()]);
    expect(await gateway.status('/readyz')).toBe(200);
    expect(await stream.status('/readyz')).toBe(200);
    await Promise.all([gateway.stop(), stream.stop()]);
  });

  // The same body on one redis-server and on a 3-master cluster (services on the default prefix).
  it.each(CRASHABLE_REDIS.map(({ name, open }) => [name, open] as const))(
    'Redis crashes mid-traffic (%s): both recover, every acknowledged message reaches resuming subscribers exactly once',
    async (_, open) => {
      assertAppsBuilt();
      const redis = await open('herald:');
      servers.push(redis);
      await redis.start();
      const [gateway, stream] = await startBoth(redis);
      await Promise.all([gateway.waitReady(), stream.waitReady()]);

      const sseReader = new ResumingSseSubscriber(`${stream.http}/sse?topic=traffic`).start();
      const chatReader = new ResumingChatMember(gateway.ws, 'reader', 'storm', false).start();
      await waitUntil(() => sseReader.connections > 0 && chatReader.received.length === 0, { timeoutMs: 20_000, message: 'readers' });
      const publisher = new Publisher(stream.http, 'traffic').start();
      const talker = new ResumingChatMember(gateway.ws, 'talker', 'storm', true).start();
      await waitUntil(() => publisher.acked.length >= 30 && talker.acked.length >= 30, { timeoutMs: 30_000, message: 'traffic before the crash' });

      await redis.kill();
      await waitUntil(
        async () => (await gateway.status('/readyz')) === 503 && (await stream.status('/readyz')) === 503,
        { timeoutMs: 20_000, message: 'both services to report not ready' },
      );
      await redis.start();
      await Promise.all([gateway.waitReady(60_000), stream.waitReady(60_000)]);
      const [p0, t0] = [publisher.acked.length, talker.acked.length];
      await waitUntil(() => publisher.acked.length >= p0 + 30 && talker.acked.length >= t0 + 30, { timeoutMs: 60_000, message: 'traffic after' });
      await Promise.all([publisher.stop(), talker.stop()]);

      await waitUntil(() => publisher.acked.every((id) => sseReader.ids.includes(id)), { timeoutMs: 30_000, message: 'SSE to catch up' });
      await waitUntil(() => talker.acked.every((id) => chatReader.received.includes(id)), { timeoutMs: 30_000, message: 'chat to catch up' });
      await Promise.all([sseReader.stop(), chatReader.stop()]);

      expect(duplicates(sseReader.ids)).toEqual([]);
      expect(duplicates(chatReader.received)).toEqual([]);
      expect(duplicates(talker.received)).toEqual([]);
      // The outage was real: something was refused while Redis was gone.
      expect(publisher.refused + talker.refused).toBeGreaterThan(0);
      await Promise.all([gateway.stop(), stream.stop()]);
    },
  );
});
