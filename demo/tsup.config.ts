import { defineConfig } from 'tsup';

// One quick bundle of the demo with the workspace packages compiled from their sources
// (no type declarations to wait for), so `pnpm demo` starts in a couple of seconds.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  clean: true,
  target: 'node20',
  platform: 'node',
  noExternal: [/^@rotakit\//],
  esbuildOptions(options) {
    options.conditions = ['@rotakit/source', 'import', 'node'];
  },
});
