import { setTimeout as sleep } from 'node:timers/promises';
import { TestingError } from './errors.js';

/** The part of a mysql2 promise pool the load uses: a rotakit SecretPool and a plain pool fit. */
export interface Queryable {
  query(sql: string): Promise<unknown>;
  getConnection(): Promise<{ query(sql: string): Promise<unknown>; destroy(): void }>;
}

export interface QueryLoadOptions {
  /** Concurrent query loops. @default 32 */
  workers?: number;
  /**
   * Every `churnEvery`-th query of a worker takes a connection of its own and destroys it
   * afterwards, so new logins keep happening (as with lost connections, connection lifetimes
   * or scaling) even while every pooled connection is busy; 0 turns it off. @default 8
   */
  churnEvery?: number;
  /** @default 'SELECT 1' */
  query?: string;
  /** The query run on a churned connection. @default the `query` option */
  churnQuery?: string;
  /** A worker whose query failed waits this long, so a failing pool does not spin. @default 5 */
  pauseAfterErrorMs?: number;
  /**
   * A pause after every query, jittered by +-20%, for a light, steady load (many pools in one
   * process, say); workers also start at random within one pause. @default 0 (back to back)
   */
  thinkTimeMs?: number;
}

export interface QueryLoadResult {
  ok: number;
  failed: number;
  /** Error kinds (name, errno, code) with counts; never messages, which may name users. */
  errors: Map<string, number>;
}

export interface QueryLoad {
  /** Live counters while the load runs. */
  readonly result: QueryLoadResult;
  /** Stops the workers and waits for them. */
  stop(): Promise<QueryLoadResult>;
}

/**
 * Runs query loops against a pool until stopped and counts what succeeded and failed, to
 * show whether a pool keeps working through a rotation.
 *
 * @example
 * const load = startQueryLoad(pool, { workers: 32, churnEvery: 4 });
 * await rotate();
 * const { failed } = await load.stop();
 */
export function startQueryLoad(pool: Queryable, options: QueryLoadOptions = {}): QueryLoad {
  const {
    workers = 32,
    churnEvery = 8,
    query = 'SELECT 1',
    pauseAfterErrorMs = 5,
    thinkTimeMs = 0,
  } = options;
  const churnQuery = options.churnQuery ?? query;
  const result: QueryLoadResult = { ok: 0, failed: 0, errors: new Map() };
  let stopped = false;
  const worker = async (index: number) => {
    let n = index;
    if (thinkTimeMs > 0) await sleep(Math.random() * thinkTimeMs);
    while (!stopped) {
      n++;
      try {
        if (churnEvery > 0 && n % churnEvery === 0) {
          const connection = await pool.getConnection();
          try {
            await connection.query(churnQuery);
          } finally {
            connection.destroy();
          }
        } else {
          await pool.query(query);
        }
        result.ok++;
      } catch (error) {
        result.failed++;
        const e = error as { name?: string; errno?: number; code?: string } | undefined;
        const key = [e?.name ?? 'Error', e?.errno, e?.code].filter(Boolean).join(' ');
        result.errors.set(key, (result.errors.get(key) ?? 0) + 1);
        await sleep(pauseAfterErrorMs);
      }
      if (thinkTimeMs > 0) await sleep(thinkTimeMs * (0.8 + Math.random() * 0.4));
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  return {
    result,
    async stop() {
      stopped = true;
      await running;
      return result;
    },
  };
}

/**
 * Waits until the load has made `more` further queries, failed ones included (a failing pool
 * still progresses; callers assert `failed` themselves).
 */
export async function waitForLoadProgress(
  load: QueryLoad,
  more: number,
  timeoutMs = 20_000,
): Promise<void> {
  const done = () => load.result.ok + load.result.failed;
  const target = done() + more;
  const deadline = Date.now() + timeoutMs;
  while (done() < target) {
    if (Date.now() > deadline) {
      throw new TestingError(
        `The query load made ${more - (target - done())} of ${more} queries in ${timeoutMs} ms (${load.result.ok} ok in all)`,
      );
    }
    await sleep(10);
  }
}

/** The error kinds of a load, for an assertion message: `Error 1045 ER_ACCESS_DENIED_ERROR x3`. */
export function describeLoadErrors(result: QueryLoadResult): string {
  return [...result.errors].map(([kind, count]) => `${kind} x${count}`).join(', ');
}
