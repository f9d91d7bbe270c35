import { setTimeout as sleep } from 'node:timers/promises';

/** The part of a mysql2 promise pool the load uses (a SecretPool or a plain pool). */
export interface Queryable {
  query(sql: string): Promise<unknown>;
  getConnection(): Promise<{
    query(sql: string): Promise<unknown>;
    release(): void;
    destroy(): void;
  }>;
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** Distinct error descriptions (errno/code/name) with counts; never messages with secrets. */
  errors: Map<string, number>;
}

export interface Load {
  readonly result: LoadResult;
  /** Stops the workers and waits for them. */
  stop(): Promise<LoadResult>;
}

/**
 * Runs `workers` loops of `SELECT 1` until stopped. Every `churnEvery`-th query of a worker
 * takes its own connection and destroys it afterwards, so new connections keep opening
 * (as with lost connections or a max lifetime) even while every connection is busy.
 */
export function startLoad(
  pool: Queryable,
  { workers = 32, churnEvery = 8 }: { workers?: number; churnEvery?: number } = {},
): Load {
  const result: LoadResult = { ok: 0, failed: 0, errors: new Map() };
  let stopped = false;
  const record = (error: unknown) => {
    result.failed++;
    const e = error as { errno?: number; code?: string; name?: string };
    const key = `${e?.name ?? 'Error'}${e?.errno ? ` ${e.errno}` : ''}${e?.code ? ` ${e.code}` : ''}`;
    result.errors.set(key, (result.errors.get(key) ?? 0) + 1);
  };
  const worker = async (index: number) => {
    let n = index;
    while (!stopped) {
      n++;
      try {
        if (churnEvery > 0 && n % churnEvery === 0) {
          const connection = await pool.getConnection();
          try {
            await connection.query('SELECT 1');
          } finally {
            connection.destroy();
          }
        } else {
          await pool.query('SELECT 1');
        }
        result.ok++;
      } catch (error) {
        record(error);
        // A failing pool must not spin the event loop.
        await sleep(5);
      }
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
 * Waits until the load has made `more` further queries, failed ones included (a failing
 * pool still progresses; tests assert `failed` themselves).
 */
export async function progress(load: Load, more: number, timeoutMs = 20_000): Promise<void> {
  const target = load.result.ok + more;
  const deadline = Date.now() + timeoutMs;
  while (load.result.ok + load.result.failed < target) {
    if (Date.now() > deadline) throw new Error(`load made no progress (${load.result.ok} ok)`);
    await sleep(10);
  }
}

export function describeErrors(result: LoadResult): string {
  return [...result.errors].map(([k, n]) => `${k} x${n}`).join(', ');
}
