import { type PostgresErrorMeaning, postgresErrorMeaning } from '@rotakit/engine-postgres';
import type { DatabaseError } from '../../errors.js';

// rotation-core's retry policy on engine-postgres's vocabulary: the statement failures after
// which running the idempotent step body again can succeed (as database/mysql/transient.ts).
const TRANSIENT_MEANINGS: ReadonlySet<PostgresErrorMeaning> = new Set<PostgresErrorMeaning>([
  'connection-lost',
  'server-shutdown',
  'lock-wait-timeout',
  'deadlock',
]);

// 40001 serialization_failure: the server rolled the transaction back; a new one may pass.
const TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set(['40001']);

/** The postgres() driver's `isTransientError`: by the statement's SQLSTATE, else Node's code. */
export function isTransientPostgresError(error: DatabaseError): boolean {
  if (error.sqlState !== undefined && TRANSIENT_SQLSTATES.has(error.sqlState)) return true;
  const meaning = postgresErrorMeaning({ code: error.sqlState ?? error.code });
  return meaning !== undefined && TRANSIENT_MEANINGS.has(meaning);
}
