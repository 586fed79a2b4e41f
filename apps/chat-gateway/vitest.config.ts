import { defineConfig } from 'vitest/config';

// Real sockets on a shared 2-core machine: generous timeouts, and integration
// files run one at a time so their servers do not starve each other.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
