import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

export default defineConfig([
  libraryBuild(),
  // The bin: ESM only (top-level await), run by node directly.
  libraryBuild({ entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false }),
]);
