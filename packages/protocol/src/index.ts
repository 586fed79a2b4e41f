export * from './access.js';
export * from './chat.js';
export * from './claims.js';
export * from './errors.js';
export * from './ids.js';
export * from './names.js';
export * from './patterns.js';
export * from './sse.js';
