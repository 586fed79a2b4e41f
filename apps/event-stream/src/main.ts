import { startService } from '@herald/server-kit';
import { buildApp } from './app.js';
import { readStreamConfig } from './config.js';

await startService({
  service: 'event-stream',
  readConfig: readStreamConfig,
  buildApp,
  describe: (address) => ({ sse: `${address}/sse`, publish: `${address}/publish` }),
});
