import { startService } from '@herald/server-kit';
import { buildApp } from './app.js';
import { readGatewayConfig } from './config.js';

await startService({
  service: 'chat-gateway',
  readConfig: readGatewayConfig,
  buildApp,
  describe: (address) => {
    const ws = address.replace(/^http/, 'ws');
    return { ws: `${ws}/ws`, raw: `${ws}/` };
  },
});
