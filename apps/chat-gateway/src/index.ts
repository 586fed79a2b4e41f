// The gateway as a package: importing it never starts a server (main.ts does).
export { buildApp, DEFAULT_DRAIN_GRACE_MS, type BuildAppOptions } from './app.js';
export { GATEWAY_DEFAULTS, readGatewayConfig, type GatewayConfig } from './config.js';
export { chatGatewayService } from './service.js';
