import { defineConfig } from 'vite';

// The demo page: index.html at the package root. The library itself is compiled by
// tsc (tsconfig.build.json) into dist/lib.
export default defineConfig({
  root: '.',
  build: {
    outDir: 'dist/demo',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      treeshake: {
        // @herald/protocol is side-effect free, but its package does not say so: without
        // this, its compiled message validators (TypeBox) land in the page unused.
        moduleSideEffects: (id) => !/[\\/]packages[\\/]protocol[\\/]dist[\\/]/.test(id),
      },
    },
  },
  preview: { port: 5173, strictPort: true },
  server: { port: 5173 },
});
