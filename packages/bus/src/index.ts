export type * from './bus.js';
export { MemoryBus } from './memory-bus.js';
export { IdClock } from './id-clock.js';
export { ListenerMap } from './listeners.js';
