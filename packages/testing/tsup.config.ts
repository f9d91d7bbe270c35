import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

export default defineConfig(
  libraryBuild({
    entry: ['src/index.ts', 'src/vitest.ts', 'src/vitest-global-setup.ts'],
    // import.meta.url in the CJS build too: postgres-binaries resolves an npm package with it.
    shims: true,
  }),
);
