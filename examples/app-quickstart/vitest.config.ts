import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@rotakit/source'] },
  // Tests run under SSR: resolve workspace packages to their sources there too.
  ssr: { resolve: { conditions: ['@rotakit/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
  },
});
