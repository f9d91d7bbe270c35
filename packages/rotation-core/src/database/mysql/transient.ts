import { type MysqlErrorMeaning, mysqlErrorMeaning } from '@rotakit/engine-mysql';
import type { DatabaseError } from '../../errors.js';

// rotation-core's retry policy on the shared MySQL vocabulary: the statement failures after
// which running the idempotent step body again can succeed.
const TRANSIENT_MEANINGS: ReadonlySet<MysqlErrorMeaning> = new Set<MysqlErrorMeaning>([
  'connection-lost',
  'server-shutdown',
  'lock-wait-timeout',
  'deadlock',
]);

/** The mysql() driver's `isTransientError`: by the statement's errno and code. */
export function isTransientMysqlError(error: DatabaseError): boolean {
  const meaning = mysqlErrorMeaning({ errno: error.errno, code: error.code });
  return meaning !== undefined && TRANSIENT_MEANINGS.has(meaning);
}
