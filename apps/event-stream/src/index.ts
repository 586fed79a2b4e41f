export { buildApp, type BuildAppOptions } from './app.js';
export { readStreamConfig, STREAM_DEFAULTS, type StreamConfig } from './config.js';
export { StreamHub, type StreamHubStats } from './stream-hub.js';
export { MAX_TOPICS_PER_STREAM } from './sse-request.js';
export { eventStreamService } from './service.js';
