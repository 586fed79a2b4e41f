import { MemoryBus, type Bus } from '@herald/bus';
import { createMetrics, type Metrics } from '@herald/server-kit';
import { listenInProcess, type InProcess } from '@herald/testkit';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../src/app.js';
import { readStreamConfig } from '../src/config.js';

export interface TestServer extends InProcess<FastifyInstance> {
  bus: Bus;
  memoryBus: MemoryBus;
  metrics: Metrics;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
}

/**
 * The app on a real socket (port 0) over a MemoryBus. `wrapBus` lets a test put a
 * double in front of the bus (for example to slow history down).
 */
export async function startServer(
  env: Record<string, string> = {},
  wrapBus: (bus: MemoryBus) => Bus = (bus) => bus,
  httpTimeouts?: BuildAppOptions['httpTimeouts'],
): Promise<TestServer> {
  const config = readStreamConfig({ LOG_LEVEL: 'silent', ...env });
  const memoryBus = new MemoryBus({ historySize: config.historySize, maxTopics: config.maxTopics });
  const bus = wrapBus(memoryBus);
  const metrics = createMetrics('event-stream', { defaultMetrics: false });
  const served = await listenInProcess(buildApp({ config, bus, metrics, httpTimeouts }), [bus]);
  const server = { ...served, url: served.http, port: Number(new URL(served.http).port), bus, memoryBus, metrics, close: () => served.close().finally(() => started.delete(server)) };
  started.add(server);
  return server;
}

const started = new Set<TestServer>();

/** For afterEach: closes every server the test started. */
export async function closeAll(): Promise<void> {
  await Promise.all([...started].map((s) => s.close()));
}
