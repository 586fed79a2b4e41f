import type { Bus } from '@herald/bus';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino, type LoggerOptions } from 'pino';
import { createBus } from './bus-factory.js';
import type { CommonConfig } from './config.js';
import { ConfigError } from './errors.js';
import { runService } from './lifecycle.js';
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

export interface StartOptions<C extends CommonConfig> {
  service: string;
  readConfig: (env: NodeJS.ProcessEnv) => C;
  buildApp: (deps: { config: C; bus: Bus; logger: FastifyBaseLogger }) => FastifyInstance;
  /** Extra fields for the "listening" log line, from the bound address (http://host:port). */
  describe?: (address: string) => Record<string, string>;
}

/**
 * Everything a service's `main.ts` does: config from the environment, one logger,
 * the bus, the app, listen, and drain on SIGTERM/SIGINT. A failure to start (port
 * taken, ...) is logged once and exits 1.
 */
export async function startService<C extends CommonConfig>(options: StartOptions<C>): Promise<void> {
  const config = configOrExit(() => options.readConfig(process.env), options.service);
  const logger = createLogger(config.logLevel);
  try {
    const bus = await createBus(config, logger);
    const app = options.buildApp({ config, bus, logger });
    const address = await runService({ app, bus, port: config.port, host: config.host });
    logger.info({ url: address, ...options.describe?.(address) }, `${options.service} listening on ${address}`);
  } catch (err) {
    logger.fatal({ err }, `${options.service} failed to start`);
    process.exit(1);
  }
}
