import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Inside the rotakit repository, @rotakit packages resolve to their TypeScript sources
  // (no build needed to test); the published packages have no such condition.
  resolve: { conditions: ['@rotakit/source'] },
  ssr: { resolve: { conditions: ['@rotakit/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
