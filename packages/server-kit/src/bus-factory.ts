import { describeTarget, MemoryBus, RedisBus, type Bus, type RedisTarget } from '@herald/bus';
import type { FastifyBaseLogger } from 'fastify';
import type { CommonConfig } from './config.js';

/** How long start-up waits for a first Redis connection before listening anyway. */
const FIRST_CONNECT_WAIT_MS = 3000;

/**
 * The one place a bus implementation is chosen: Redis when REDIS_URL,
 * REDIS_SENTINELS or REDIS_CLUSTER_NODES is set, otherwise in-memory. Apps receive
 * the bus already built.
 * A Redis that is down at start is not fatal: the service starts, /readyz answers
 * 503, and the bus keeps reconnecting until Redis is there.
 */
export async function createBus(config: CommonConfig, log: FastifyBaseLogger): Promise<Bus> {
  const onListenerError = (err: unknown) => log.error({ err }, 'bus listener failed');
  const limits = {
    ...(config.topicTtlMs === undefined ? {} : { topicTtlMs: config.topicTtlMs }),
    ...(config.maxTopics === undefined ? {} : { maxTopics: config.maxTopics }),
  };
  const target: RedisTarget | undefined =
    config.redisCluster !== undefined
      ? { cluster: config.redisCluster }
      : config.redisSentinel !== undefined
        ? { sentinel: config.redisSentinel }
        : config.redisUrl !== undefined
          ? { url: config.redisUrl }
          : undefined;
  if (target === undefined) {
    log.info('bus: in-memory (set REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES to share state between instances)');
    return new MemoryBus({ historySize: config.historySize, ...limits }, onListenerError);
  }
  const bus = new RedisBus({
    ...target,
    historySize: config.historySize,
    ...limits,
    keyPrefix: config.redisPrefix,
    presenceTtlMs: config.presenceTtlMs,
    ...(config.redisWaitReplicas === undefined ? {} : { waitReplicas: config.redisWaitReplicas }),
    ...(config.redisWaitTimeoutMs === undefined ? {} : { waitTimeoutMs: config.redisWaitTimeoutMs }),
    logger: log,
    onListenerError,
  });
  log.info(
    { redis: describeTarget(target), prefix: bus.keyPrefix, instance: bus.instanceId },
    'bus: redis',
  );
  if (!(await bus.waitUntilReady(FIRST_CONNECT_WAIT_MS))) {
    log.warn({ redis: describeTarget(target) }, 'bus: redis not reachable yet; starting anyway, not ready until it is');
  }
  return bus;
}
