import { defineConfig } from 'tsup';

// A plain Node service: its dependencies stay in node_modules (tsup leaves `dependencies`
// external), @rotakit/secret-pool resolving to its built dist.
export default defineConfig({
  entry: { index: 'src/index.ts', server: 'src/server.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  dts: false,
});
