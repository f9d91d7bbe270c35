// The query load against a stand-in pool that records what it is asked (the load only needs
// query() and getConnection(); the secret-pool tests run it against real pools).
import { describe, expect, it } from 'vitest';
import {
  describeLoadErrors,
  type Queryable,
  startQueryLoad,
  TestingError,
  waitForLoadProgress,
} from '../src/index.js';

function recordingPool(failEvery = 0) {
  const seen = { pooled: [] as string[], churned: [] as string[], destroyed: 0 };
  let calls = 0;
  const run = async (sql: string, into: string[]) => {
    await new Promise((resolve) => setImmediate(resolve));
    into.push(sql);
    calls++;
    if (failEvery > 0 && calls % failEvery === 0) {
      throw Object.assign(new Error('denied for user x'), {
        errno: 1045,
        code: 'ER_ACCESS_DENIED_ERROR',
      });
    }
  };
  const pool: Queryable = {
    query: (sql) => run(sql, seen.pooled),
    getConnection: async () => ({
      query: (sql) => run(sql, seen.churned),
      destroy: () => {
        seen.destroyed++;
      },
    }),
  };
  return { pool, seen };
}

describe('startQueryLoad', () => {
  it('runs the pooled query and every churnEvery-th one on its own destroyed connection', async () => {
    const { pool, seen } = recordingPool();
    const load = startQueryLoad(pool, { workers: 4, churnEvery: 4, churnQuery: 'SELECT 2' });
    await waitForLoadProgress(load, 400);
    const result = await load.stop();
    expect(result.failed).toBe(0);
    expect(result.ok).toBe(seen.pooled.length + seen.churned.length);
    expect(new Set(seen.pooled)).toEqual(new Set(['SELECT 1']));
    expect(new Set(seen.churned)).toEqual(new Set(['SELECT 2']));
    expect(seen.destroyed).toBe(seen.churned.length);
    // One query in four takes its own connection.
    expect(seen.churned.length / result.ok).toBeCloseTo(0.25, 1);
  });

  it('never churns with churnEvery 0', async () => {
    const { pool, seen } = recordingPool();
    const load = startQueryLoad(pool, { workers: 2, churnEvery: 0 });
    await waitForLoadProgress(load, 100);
    await load.stop();
    expect(seen.churned).toEqual([]);
  });

  it('counts failures by name, errno and code, never by message', async () => {
    const { pool } = recordingPool(3);
    const load = startQueryLoad(pool, { workers: 2, churnEvery: 0, pauseAfterErrorMs: 0 });
    await waitForLoadProgress(load, 60);
    const result = await load.stop();
    expect(result.failed).toBeGreaterThan(0);
    expect([...result.errors.keys()]).toEqual(['Error 1045 ER_ACCESS_DENIED_ERROR']);
    expect(describeLoadErrors(result)).toBe(`Error 1045 ER_ACCESS_DENIED_ERROR x${result.failed}`);
  });
});

describe('waitForLoadProgress', () => {
  it('throws a TestingError when the load stalls', async () => {
    const stalled: Queryable = {
      query: () => new Promise(() => undefined),
      getConnection: () => new Promise(() => undefined),
    };
    const load = startQueryLoad(stalled, { workers: 1 });
    const error = await waitForLoadProgress(load, 1, 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestingError);
    expect((error as Error).message).toMatch(/made 0 of 1 queries in 50 ms/);
  });
});
