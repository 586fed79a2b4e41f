import type { ServiceSpec } from '@herald/server-kit';
import { buildApp } from './app.js';
import { readStreamConfig, type StreamConfig } from './config.js';

/** The event stream as server-kit starts it (alone in main.ts, or beside the chat gateway). */
export const eventStreamService: ServiceSpec<StreamConfig> = {
  service: 'event-stream',
  readConfig: readStreamConfig,
  buildApp,
  describe: (address) => ({ sse: `${address}/sse`, publish: `${address}/publish` }),
};
