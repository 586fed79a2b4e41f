import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    // The smoke test runs the whole bench (14 server starts); CPU contention from other
    // work on the machine can make that slow, never wrong.
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
