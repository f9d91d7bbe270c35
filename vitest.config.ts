import { defineConfig } from 'vitest/config';

// One MariaDB for the whole run: the global setup starts it once (or uses
// ROTAKIT_TEST_MYSQL_URL) and provides its address to every project through
// `inject('rotakitMysql')`; tests isolate themselves with their own users and databases.
// Test output must not repeat the SDK's Node 20 support notice (docs/node-versions.md says
// what it means); set before the workers and every child process they start inherit the
// environment. A value set by whoever runs the tests wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
