export { buildApp, type BuildAppOptions } from './app.js';
export { readStreamConfig, STREAM_DEFAULTS, type StreamConfig } from './config.js';
export { Hub, type HubStats } from './hub.js';
export { MAX_TOPICS_PER_STREAM } from './sse-request.js';
export { TIME_TOPIC } from './time-ticker.js';
export { eventStreamService } from './service.js';
