import { defineProject } from 'vitest/config';

/**
 * The settings every package and example shares. Projects referenced by folder do not
 * inherit the root config, so each project's vitest.config.ts starts from this.
 */
export function rotakitProject() {
  return defineProject({
    // Workspace packages resolve to their TypeScript sources (no build needed to test),
    // in both the client and the SSR (node) module graph.
    resolve: { conditions: ['@rotakit/source'] },
    ssr: { resolve: { conditions: ['@rotakit/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      // Integration tests run real servers on a shared 2-core machine: generous limits,
      // while tests themselves never assert wall-clock durations.
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  });
}
