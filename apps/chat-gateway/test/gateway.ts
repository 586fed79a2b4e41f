import { MemoryBus, type Bus } from '@herald/bus';
import { createMetrics, type Metrics } from '@herald/server-kit';
import { listenInProcess, type InProcess } from '@herald/testkit';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { readGatewayConfig, type GatewayConfig } from '../src/config.js';

export interface TestGateway extends InProcess<FastifyInstance> {
  bus: Bus;
  config: GatewayConfig;
  metrics: Metrics;
}

/** A real gateway on port 0 over a MemoryBus (or `bus`), configured like main.ts (env strings). */
export async function startGateway(
  env: Record<string, string> = {},
  options: { drainGraceMs?: number; bus?: Bus } = {},
): Promise<TestGateway> {
  const config = readGatewayConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const bus = options.bus ?? new MemoryBus({ historySize: config.historySize });
  const metrics = createMetrics('chat-gateway', { defaultMetrics: false });
  const app = buildApp({ config, bus, metrics, drainGraceMs: options.drainGraceMs });
  return { ...(await listenInProcess(app, [bus])), bus, config, metrics };
}
