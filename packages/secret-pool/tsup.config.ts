import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // p-retry (and its dependency) ship ESM only, which `require()` cannot load on Node 20.
  noExternal: ['p-retry', 'is-network-error'],
});
