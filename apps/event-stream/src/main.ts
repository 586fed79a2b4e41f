import { configOrExit, createBus, loggerOptions, runService } from '@herald/server-kit';
import { pino, type LoggerOptions } from 'pino';
import { buildApp } from './app.js';
import { readStreamConfig } from './config.js';

const config = configOrExit(() => readStreamConfig(process.env), 'event-stream');
// One logger for the bus and the app, so start-up lines and request logs share a stream.
const log = pino(loggerOptions(config.logLevel) as LoggerOptions);

try {
  const bus = await createBus(config, log);
  const app = buildApp({ config, bus, logger: log });
  const address = await runService({ app, bus, port: config.port, host: config.host });
  app.log.info({ url: `${address}/sse` }, 'event-stream listening');
} catch (err) {
  // The bus or the port is unavailable: say so once and exit non-zero.
  log.fatal({ err }, 'event-stream failed to start');
  process.exit(1);
}
