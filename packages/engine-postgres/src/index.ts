export {
  isPostgresEngine,
  POSTGRES_DEFAULT_DATABASE,
  POSTGRES_DEFAULT_PORT,
  POSTGRES_ENGINES,
  POSTGRES_MAX_IDENTIFIER_BYTES,
} from './defaults.js';
export {
  meaningOfSqlState,
  type PostgresErrorMeaning,
  PostgresInputError,
  type PostgresInputErrorContext,
  postgresErrorMeaning,
  SQLSTATES,
  type SqlStateEntry,
  sqlStateOf,
} from './errors.js';
export { quoteIdentifier, quoteLiteral } from './quote.js';
export { type ScramVerifierOptions, scramSha256Verifier } from './scram.js';
export { scrubSecrets } from './scrub.js';
