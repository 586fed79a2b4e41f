import { defineConfig } from 'vitest/config';

// Real service processes and redis-servers on a shared 2-core machine: one file at
// a time, generous timeouts (conditions are awaited, never timed).
export default defineConfig({
  test: {
    include: ['test/**/*.integration.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
