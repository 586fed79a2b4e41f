import type { Bus } from '@herald/bus';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino, type LoggerOptions } from 'pino';
import { createBus } from './bus-factory.js';
import type { CommonConfig } from './config.js';
import { ConfigError } from './errors.js';
import { runServices } from './lifecycle.js';
import { loggerOptions } from './logger.js';

/**
 * Reads config for a `main.ts`: a ConfigError prints one line naming the variable
 * and exits non-zero; nothing else has started yet.
 */
export function configOrExit<T>(read: () => T, service: string): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The JSON logger a service shares between its bus and its app. */
export function createLogger(level: string): FastifyBaseLogger {
  const stdout = pino.destination({ dest: 1, sync: true });
  // Once stdout's reader is gone (EPIPE) nothing can be logged any more; without a
  // listener here the exit-time flush of pino's default destination never returned,
  // so a drained service hung instead of exiting (see main.integration.test.ts).
  stdout.on('error', () => {});
  return pino(loggerOptions(level) as LoggerOptions, stdout);
}

/** What a service is, for `main.ts` (alone) or `startServices` (several in one process). */
export interface ServiceSpec<C extends CommonConfig> {
  service: string;
  readConfig: (env: NodeJS.ProcessEnv) => C;
  buildApp: (deps: { config: C; bus: Bus; logger: FastifyBaseLogger }) => FastifyInstance;
  /** Extra fields for the "listening" log line, from the bound address (http://host:port). */
  describe?: (address: string) => Record<string, string>;
}

export interface ServiceRun {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each spec has its own config type
  spec: ServiceSpec<any>;
  /** Variables for this service only, over process.env (e.g. its PORT). */
  env?: NodeJS.ProcessEnv;
}

/** Everything a service's `main.ts` does; see startServices. */
export async function startService<C extends CommonConfig>(spec: ServiceSpec<C>): Promise<void> {
  await startServices([{ spec }]);
}

/**
 * Config from the environment, one logger, ONE bus for all the services, their
 * apps, listen, and one drain on SIGTERM/SIGINT. Several services in one process
 * share the bus, so on the in-memory bus a chat room is readable over SSE as
 * `chat.<room>` as it is on Redis. A failure to start (port taken, ...) is logged
 * once and exits 1.
 */
export async function startServices(runs: ServiceRun[]): Promise<void> {
  const name = runs.map(({ spec }) => spec.service).join('+');
  const configs = runs.map(({ spec, env }) => configOrExit(() => spec.readConfig({ ...process.env, ...env }), spec.service));
  const first = configs[0]!;
  const logger = createLogger(first.logLevel);
  try {
    const bus = await createBus(first, logger);
    const apps = runs.map(({ spec }, i) => {
      const config = configs[i]!;
      const log = runs.length === 1 ? logger : logger.child({ service: spec.service });
      return { app: spec.buildApp({ config, bus, logger: log }), port: config.port, host: config.host, backlog: config.listenBacklog };
    });
    const addresses = await runServices({ apps, bus, ...(first.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: first.drainTimeoutMs }) });
    runs.forEach(({ spec }, i) => {
      const address = addresses[i]!;
      apps[i]!.app.log.info({ url: address, ...spec.describe?.(address) }, `${spec.service} listening on ${address}`);
    });
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
}
