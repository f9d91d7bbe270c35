import { defineConfig } from 'tsup';
import { ESM_ONLY_DEPENDENCIES, libraryBuild } from '../../tsup.library.js';

export default defineConfig(
  libraryBuild({
    entry: {
      index: 'src/index.ts',
      knex: 'src/adapters/knex.ts',
      sequelize: 'src/adapters/sequelize.ts',
      prisma: 'src/adapters/prisma.ts',
      typeorm: 'src/adapters/typeorm.ts',
      pg: 'src/pg/index.ts',
    },
    // Subpath entries import the main entry by the package's name: one copy of its classes.
    external: ['@rotakit/secret-pool'],
    // The pg entry shares the pool's internal modules (errors, cache, generations) with the main
    // entry: shared chunks keep one copy of their classes in CJS too (ESM splits by default).
    splitting: true,
    noExternal: ESM_ONLY_DEPENDENCIES,
  }),
);
