import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../../../../', import.meta.url));
export const DEMO_DIR = `${WEB_DIR}dist/demo`;
export const ARTIFACTS_DIR = `${WEB_DIR}test-artifacts`;
export const CHROMIUM = '/usr/bin/chromium';
export const APP_MAIN = {
  'chat-gateway': `${REPO_DIR}apps/chat-gateway/dist/main.js`,
  'event-stream': `${REPO_DIR}apps/event-stream/dist/main.js`,
} as const;
export type AppName = keyof typeof APP_MAIN;
