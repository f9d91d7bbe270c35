export { isMysqlEngine, MYSQL_DEFAULT_PORT, MYSQL_ENGINES } from './defaults.js';
export {
  MYSQL_ERRNOS,
  type MysqlErrorMeaning,
  meaningOfCode,
  meaningOfErrno,
  mysqlErrorMeaning,
} from './errors.js';
export { hasNoBackslashEscapes, quoteAccount, quoteIdentifier, quoteString } from './quote.js';
export { scrubSecrets } from './scrub.js';
