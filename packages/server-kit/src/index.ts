export * from './config.js';
export * from './errors.js';
export * from './metrics.js';
export * from './ops-plugin.js';
export * from './logger.js';
export * from './lifecycle.js';
export * from './bus-factory.js';
export * from './main-helpers.js';
