import { MemoryBus, type Bus } from '@herald/bus';
import { createMetrics, type Metrics } from '@herald/server-kit';
import { ChatTestClient, closeAllChatClients, listenInProcess, type InProcess } from '@herald/testkit';
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
  const bus = options.bus ?? new MemoryBus({ historySize: config.historySize, topicTtlMs: config.topicTtlMs, maxTopics: config.maxTopics });
  const metrics = createMetrics('chat-gateway', { defaultMetrics: false });
  const app = buildApp({ config, bus, metrics, drainGraceMs: options.drainGraceMs });
  const served = await listenInProcess(app, [bus]);
  const gateway = { ...served, bus, config, metrics, close: () => served.close().finally(() => started.delete(gateway)) };
  started.add(gateway);
  return gateway;
}

const started = new Set<TestGateway>();

/** For afterEach: drops every chat client, then closes every gateway the test started. */
export async function closeAll(): Promise<void> {
  closeAllChatClients();
  await Promise.all([...started].map((g) => g.close()));
}

/** A client of `gateway` as `name`, welcomed and (with `room`) joined. */
export async function member(gateway: TestGateway, name: string, room?: string): Promise<ChatTestClient> {
  return (await ChatTestClient.join(gateway.ws, name, room)).client;
}
