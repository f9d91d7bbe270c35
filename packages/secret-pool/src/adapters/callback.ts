import type { Pool as CorePool } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';

// mysql2's callback API on a SecretPool (docs/secret-pool.md, "ORMs and query builders").
// Libraries written against mysql2's callback pool (Kysely's MysqlDialect, TypeORM) call
// `getConnection(callback)` and `end(callback)`: on a promise pool the callback is ignored
// and the library waits forever. A SecretPool answers both forms, and `pool.pool` (mysql2's
// callback pool, for Drizzle's types and `require('mysql2').createPool` users) ends the
// whole SecretPool, so whichever object a library holds, its `end` stops rotakit too.

/** mysql2's callback for `getConnection`. */
export type GetConnectionCallback = Parameters<CorePool['getConnection']>[0];

/** mysql2's callback for `end`. */
export type EndCallback = (error: NodeJS.ErrnoException | null) => void;

/** `getConnection()` as mysql2's promise pool has it, and `getConnection(callback)` as its callback pool has it. */
export type GetConnection = PromisePool['getConnection'] & CorePool['getConnection'];

/**
 * The SecretPool's `getConnection`: the promise form goes to mysql2's promise pool, the
 * callback form to the callback pool (a core connection, as the library expects). Both go
 * through the same hooked pool, so every request gets the rotation handling.
 */
export function eitherGetConnection(promise: PromisePool, core: CorePool): GetConnection {
  return ((callback?: GetConnectionCallback) => {
    if (callback === undefined) return promise.getConnection();
    core.getConnection(callback);
  }) as GetConnection;
}

/** Settles a mysql2-style `end` callback with the SecretPool's end. */
export function endWithCallback(ending: Promise<void>, callback: EndCallback): void {
  ending.then(
    () => callback(null),
    (error: NodeJS.ErrnoException) => callback(error),
  );
}

/**
 * Makes `core.end()` end the SecretPool (`endPool`), and returns mysql2's own `end` of that
 * pool as a promise, for the SecretPool's end to close the connections with.
 */
export function routeCoreEnd(
  core: CorePool,
  endPool: (callback?: EndCallback) => Promise<void> | void,
): () => Promise<void> {
  const ownEnd = core.end;
  core.end = (callback?: EndCallback) => {
    endPool(callback);
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      ownEnd.call(core, (error) => (error ? reject(error) : resolve()));
    });
}
