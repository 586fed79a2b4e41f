import { defineConfig } from 'vite';

// The demo page: index.html at the package root. The library itself is compiled by
// tsc (tsconfig.build.json) into dist/lib.
export default defineConfig({
  root: '.',
  build: {
    outDir: 'dist/demo',
    emptyOutDir: true,
    target: 'es2022',
    // @herald/protocol declares "sideEffects": false, so its TypeBox validators,
    // unused by the page, are left out without any option here.
  },
  preview: { port: 5173, strictPort: true },
  server: { port: 5173 },
});
