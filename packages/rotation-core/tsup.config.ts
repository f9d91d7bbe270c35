import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // p-retry is ESM-only: bundled so that require() works on Node 20 before 20.19.
  noExternal: ['p-retry', 'is-network-error'],
});
