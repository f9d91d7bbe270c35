import { defineConfig } from 'tsup';
import { ESM_ONLY_DEPENDENCIES, libraryBuild } from '../../tsup.library.js';

export default defineConfig(libraryBuild({ noExternal: ESM_ONLY_DEPENDENCIES }));
