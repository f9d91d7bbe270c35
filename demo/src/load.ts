import { setTimeout as sleep } from 'node:timers/promises';

/** What the load needs from a pool: a rotakit SecretPool and a plain mysql2 pool both fit. */
export interface Queryable {
  query(sql: string): Promise<unknown>;
  getConnection(): Promise<{ query(sql: string): Promise<unknown>; destroy(): void }>;
}

export interface LoadCounters {
  ok: number;
  failed: number;
  /** Error kinds (name, errno, code) with counts; never messages, which may name users. */
  errors: Map<string, number>;
}

export interface Load {
  readonly counters: LoadCounters;
  stop(): Promise<LoadCounters>;
}

/**
 * `workers` loops of a small query. Every `churnEvery`-th query of a worker opens its own
 * connection and destroys it afterwards, so new logins happen all the time, as they do in a
 * real app (connection lifetimes, scaling, restarts) - that is where a rotation bites.
 */
export function startLoad(
  pool: Queryable,
  { workers = 32, churnEvery = 4, pauseAfterErrorMs = 20 } = {},
): Load {
  const counters: LoadCounters = { ok: 0, failed: 0, errors: new Map() };
  let stopped = false;
  const worker = async (index: number) => {
    let n = index;
    while (!stopped) {
      n++;
      try {
        if (n % churnEvery === 0) {
          const connection = await pool.getConnection();
          try {
            await connection.query('SELECT COUNT(*) FROM orders');
          } finally {
            connection.destroy();
          }
        } else {
          await pool.query('SELECT id, total FROM orders ORDER BY id DESC LIMIT 5');
        }
        counters.ok++;
      } catch (error) {
        counters.failed++;
        const e = error as { name?: string; errno?: number; code?: string };
        const key = [e.name ?? 'Error', e.errno, e.code].filter(Boolean).join(' ');
        counters.errors.set(key, (counters.errors.get(key) ?? 0) + 1);
        // Both sides follow the same rule, so a failing pool does not just spin the CPU.
        await sleep(pauseAfterErrorMs);
      }
    }
  };
  const running = Array.from({ length: workers }, (_, i) => worker(i));
  return {
    counters,
    async stop() {
      stopped = true;
      await Promise.all(running);
      return counters;
    },
  };
}
