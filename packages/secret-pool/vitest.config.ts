import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { rotakitProject } from '../../vitest.project.js';

/**
 * The mysql2 version matrix: `ROTAKIT_MYSQL2=oldest` (or `newest`) runs this package's tests
 * against the end of the peer range installed under that alias (package.json
 * devDependencies); unset, the plain `mysql2` devDependency is used.
 */
const MYSQL2_VARIANTS: Readonly<Record<string, string>> = {
  oldest: 'mysql2-oldest',
  newest: 'mysql2-newest',
};

const packageDir = fileURLToPath(new URL('.', import.meta.url));

/**
 * Sends `mysql2` and its subpaths (`mysql2/promise`) imported from this package's sources
 * and tests to the aliased copy. Scoped by importer: other workspace packages the tests
 * use (rotation-core, testing) keep their own mysql2.
 */
function mysql2Variant(variant: string | undefined): Plugin[] {
  if (variant === undefined || variant === '') return [];
  const alias = MYSQL2_VARIANTS[variant];
  if (alias === undefined) {
    throw new Error(
      `ROTAKIT_MYSQL2=${variant}: expected one of ${Object.keys(MYSQL2_VARIANTS).join(', ')}`,
    );
  }
  return [
    {
      name: 'rotakit-mysql2-variant',
      enforce: 'pre',
      resolveId(source, importer, options) {
        if (importer === undefined || !importer.startsWith(packageDir)) return null;
        if (source !== 'mysql2' && !source.startsWith('mysql2/')) return null;
        return this.resolve(alias + source.slice('mysql2'.length), importer, {
          ...options,
          skipSelf: true,
        });
      },
    },
  ];
}

const project = rotakitProject();

export default {
  ...project,
  plugins: [...(project.plugins ?? []), ...mysql2Variant(process.env.ROTAKIT_MYSQL2)],
};
