import { MemoryBus, type Bus } from '@herald/bus';
import { createMetrics, type Metrics } from '@herald/server-kit';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { readGatewayConfig, type GatewayConfig } from '../config.js';

export interface TestGateway {
  app: FastifyInstance;
  bus: Bus;
  config: GatewayConfig;
  metrics: Metrics;
  /** ws://127.0.0.1:<port> */
  ws: string;
  /** http://127.0.0.1:<port> */
  http: string;
  close(): Promise<void>;
}

/** A real gateway on port 0 over a MemoryBus, configured like main.ts (env strings). */
export async function startGateway(
  env: Record<string, string> = {},
  options: { drainGraceMs?: number; bus?: Bus } = {},
): Promise<TestGateway> {
  const config = readGatewayConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const bus = options.bus ?? new MemoryBus({ historySize: config.historySize });
  const metrics = createMetrics('chat-gateway', { defaultMetrics: false });
  const app = buildApp({ config, bus, metrics, drainGraceMs: options.drainGraceMs });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  let closed = false;
  return {
    app,
    bus,
    config,
    metrics,
    http: address,
    ws: address.replace(/^http/, 'ws'),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await bus.close();
    },
  };
}

/** Waits until `check` holds, polling; for state that no frame announces. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one unlabelled-by-us metric from the registry. */
export async function metricValue(metrics: Metrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetricAsString(name);
  const line = metric.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
