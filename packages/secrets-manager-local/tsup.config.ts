import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

export default defineConfig(
  libraryBuild({
    entry: ['src/index.ts', 'src/cli.ts'],
    // Only the library entry has types; the bin is run, not imported.
    dts: { entry: ['src/index.ts'] },
  }),
);
