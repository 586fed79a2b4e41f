export type * from './bus.js';
export { MemoryBus } from './memory-bus.js';
export { IdClock } from './id-clock.js';
export { ListenerMap } from './listeners.js';
export { RedisBus, REDIS_BUS_DEFAULTS, type RedisBusOptions } from './redis-bus.js';
export { RedisPresence } from './redis-presence.js';
export { BusUnavailableError } from './redis-errors.js';
export { redactRedisUrl, type BusLogger } from './redis-connection.js';
export { TopicLimitError, TOPIC_LIMIT_DEFAULTS, type TopicLimitOptions } from './topic-limits.js';
