import type { ServiceSpec } from '@herald/server-kit';
import { buildApp } from './app.js';
import { readGatewayConfig, type GatewayConfig } from './config.js';

/** The chat gateway as server-kit starts it (alone in main.ts, or beside the event stream). */
export const chatGatewayService: ServiceSpec<GatewayConfig> = {
  service: 'chat-gateway',
  readConfig: readGatewayConfig,
  buildApp,
  describe: (address) => {
    const ws = address.replace(/^http/, 'ws');
    return { ws: `${ws}/ws`, raw: `${ws}/` };
  },
};
