export * from './chat.js';
export * from './chat-payload.js';
export * from './errors.js';
export * from './ids.js';
export * from './names.js';
export * from './sse.js';
export * from './resume.js';
export * from './stream.js';
