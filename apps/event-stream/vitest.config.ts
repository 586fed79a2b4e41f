import { defineConfig } from 'vitest/config';

// Other suites share the machine's two cores: be patient, never race the clock.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
