import { defineConfig } from 'vitest/config';

// One MariaDB for the whole run: the global setup starts it once (or uses
// ROTAKIT_TEST_MYSQL_URL) and provides its address to every project through
// `inject('rotakitMysql')`; tests isolate themselves with their own users and databases.
export default defineConfig({
  test: {
    globalSetup: ['./packages/testing/src/vitest-global-setup.ts'],
    projects: ['packages/*', 'examples/*'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
