import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@rotakit/source'] },
  test: {
    include: ['test/**/*.test.ts'],
    // The AWS CLI test spawns a Python process per call; rotations run several round trips.
    testTimeout: 60_000,
  },
});
