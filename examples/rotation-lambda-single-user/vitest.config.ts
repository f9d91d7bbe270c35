import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Inside the rotakit repository, @rotakit packages resolve to their TypeScript sources
  // (no build needed to test); the published packages have no such condition.
  resolve: { conditions: ['@rotakit/source'] },
  ssr: { resolve: { conditions: ['@rotakit/source'] } },
  test: {
    // A private MariaDB on a free loopback port for the run, read with testMysql(); one per
    // run however many projects name this setup.
    globalSetup: ['@rotakit/testing/vitest-global-setup'],
    include: ['test/**/*.test.ts'],
    // Real servers on a possibly busy machine: generous limits (no test asserts durations).
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
