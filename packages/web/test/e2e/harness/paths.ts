import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../../../../', import.meta.url));
export const DEMO_DIR = `${WEB_DIR}dist/demo`;
export const ARTIFACTS_DIR = `${WEB_DIR}test-artifacts`;
export const CHROMIUM = '/usr/bin/chromium';
