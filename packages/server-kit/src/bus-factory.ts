import { MemoryBus, type Bus } from '@herald/bus';
import type { FastifyBaseLogger } from 'fastify';
import type { CommonConfig } from './config.js';

/**
 * The one place a bus implementation is chosen: Redis when REDIS_URL is set,
 * otherwise in-memory. Apps receive the bus already built.
 */
export async function createBus(config: CommonConfig, log: FastifyBaseLogger): Promise<Bus> {
  const onListenerError = (err: unknown) => log.error({ err }, 'bus listener failed');
  if (config.redisUrl === undefined) {
    log.info('bus: in-memory (set REDIS_URL to share state between instances)');
    return new MemoryBus({ historySize: config.historySize }, onListenerError);
  }
  throw new Error('REDIS_URL is set but the Redis bus is not built yet');
}
