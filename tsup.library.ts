import type { Options } from 'tsup';

/**
 * The build every published package shares: ESM + CJS + type declarations for Node 20,
 * from `src/index.ts` unless told otherwise.
 */
export function libraryBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    ...overrides,
  };
}

/**
 * Dependencies that ship ESM only: bundled into our CJS build, because `require()` of an ES
 * module does not work on Node 20 before 20.19.
 */
export const ESM_ONLY_DEPENDENCIES = ['p-retry', 'is-network-error'];
