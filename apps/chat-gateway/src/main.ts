import { configOrExit, createBus, loggerOptions, runService } from '@herald/server-kit';
import Fastify from 'fastify';
import { buildApp } from './app.js';
import { readGatewayConfig } from './config.js';

const config = configOrExit(() => readGatewayConfig(process.env), 'chat-gateway');
// createBus logs before the app exists; Fastify's own logger factory builds the
// pino instance both share (no separate pino dependency).
const logger = Fastify({ logger: loggerOptions(config.logLevel) }).log;
const bus = await createBus(config, logger);
const app = buildApp({ config, bus, logger });
const address = await runService({ app, bus, port: config.port, host: config.host });
const ws = address.replace(/^http/, 'ws');
app.log.info(`chat gateway listening on ${address} (ws: ${ws}/ws, raw: ${ws}/)`);
