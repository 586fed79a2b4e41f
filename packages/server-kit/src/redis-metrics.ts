import type { RedisBus } from '@herald/bus';
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.js';

/**
 * The Redis bus's high-availability state on /metrics, read from `bus.ha()` at each
 * scrape (the bus counts; the registry only reports): which node is master, the
 * epoch (docs/redis-ha.md), failovers this instance followed, and WAITs that fell
 * short of REDIS_WAIT_REPLICAS.
 */
export function registerRedisMetrics(metrics: Metrics, bus: RedisBus): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'herald_redis_epoch',
    help: 'Epoch of the Redis data set: 1, plus one for each time Redis was found to have lost writes (failover to a lagging replica)',
    registers,
    collect() {
      this.set(bus.ha().epoch);
    },
  });
  new Counter({
    name: 'herald_redis_failovers_total',
    help: 'Connects of this instance that found a different Redis master than before (address or run_id: a failover, or a restart)',
    registers,
    collect() {
      this.reset();
      this.inc(bus.ha().failovers);
    },
  });
  new Gauge({
    name: 'herald_redis_master_info',
    help: 'The Redis node this instance writes to (label address), 1 while connected',
    labelNames: ['address'],
    registers,
    collect() {
      this.reset();
      const { master } = bus.ha();
      if (master !== undefined) this.set({ address: master }, 1);
    },
  });
  new Counter({
    name: 'herald_redis_wait_failures_total',
    help: 'WAITs that did not confirm REDIS_WAIT_REPLICAS replicas in REDIS_WAIT_TIMEOUT_MS (their publishes were refused)',
    registers,
    collect() {
      this.reset();
      this.inc(bus.ha().waitFailures);
    },
  });
}
