import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metrics both services expose on /metrics. One registry per app instance, so
 * tests that build several apps in one process never collide.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly messagesIn: Counter;
  readonly messagesOut: Counter;
  readonly dropped: Counter;
  readonly slowConsumersClosed: Counter;
  /** Requests refused by a limit, by limit name (`topics`, ...). */
  readonly limitRefusals: Counter<'limit'>;
  /** Seconds from bus publish to the write to a subscriber's socket. */
  readonly deliverLatency: Histogram;
}

export function createMetrics(service: string, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({ name: 'herald_connections', help: 'Open client connections', registers }),
    messagesIn: new Counter({ name: 'herald_messages_in_total', help: 'Messages received from clients or publishers', registers }),
    messagesOut: new Counter({ name: 'herald_messages_out_total', help: 'Messages written to client connections', registers }),
    dropped: new Counter({ name: 'herald_messages_dropped_total', help: 'Messages refused or not delivered (bad input, limits, closed peers)', registers }),
    slowConsumersClosed: new Counter({ name: 'herald_slow_consumers_closed_total', help: 'Connections closed because their unsent bytes passed MAX_BUFFERED_BYTES', registers }),
    limitRefusals: new Counter({ name: 'herald_limit_refusals_total', help: 'Requests refused by a limit (label: which one)', labelNames: ['limit'], registers }),
    deliverLatency: new Histogram({
      name: 'herald_publish_deliver_latency_seconds',
      help: 'Time from bus publish to the write to a subscriber',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

/** A counter of one feature's own (on the app's registry), for what only one service has. */
export function featureCounter<L extends string = never>(metrics: Metrics, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [metrics.registry] });
}
