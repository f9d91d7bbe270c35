export { type ErrorClass, errorClassesOf, nameAfterMinifying } from './error-names.js';
export {
  AdminStatementError,
  type AdminStatementErrorContext,
  MysqlBinaryNotFoundError,
  type MysqlBinaryNotFoundErrorContext,
  MysqlStartError,
  type MysqlStartErrorContext,
  PostgresBinaryNotFoundError,
  type PostgresBinaryNotFoundErrorContext,
  PostgresStartError,
  type PostgresStartErrorContext,
  TestingError,
  type TestingErrorOptions,
} from './errors.js';
export { parseMysqlUrl, parsePostgresUrl } from './external-server.js';
export { findFreePort } from './free-port.js';
export { findMysqlBinaries, type MysqlBinaries, type MysqlFlavor } from './mysql-binaries.js';
export {
  hidePassword,
  type MysqlConnectionInfo,
  type MysqlServer,
  parseServerVersion,
  type StartMysqlOptions,
  startMysql,
} from './mysql-server.js';
export {
  type CreateDatabaseUserOptions,
  canLogin,
  connectAsAdmin,
  createDatabaseUser,
  type DatabaseUser,
  dropDatabaseUser,
  type LoginCredentials,
  type LoginResult,
  uniqueName,
  withAdmin,
} from './mysql-users.js';
export {
  findPostgresBinaries,
  findPostgresInstallations,
  type PostgresBinaries,
  parsePostgresVersion,
  postgresMajorsUnderTest,
} from './postgres-binaries.js';
export {
  type CreatePostgresRoleOptions,
  canLoginPostgres,
  connectPostgresAdmin,
  createPostgresRole,
  createRdsLikeMaster,
  dropPostgresRole,
  type PostgresClientOptions,
  type PostgresLoginCredentials,
  type PostgresLoginResult,
  type PostgresRole,
  RDS_PASSWORD_ROLE,
  RDS_REPLICATION_ROLE,
  RDS_SUPERUSER_ROLE,
  runPostgresAdminStatement,
  withPostgresAdmin,
} from './postgres-roles.js';
export {
  hidePostgresPassword,
  type PostgresAdmin,
  type PostgresConnectionInfo,
  type PostgresServer,
  postgresUrl,
  type StartPostgresOptions,
  startPostgres,
} from './postgres-server.js';
export {
  describeLoadErrors,
  type Queryable,
  type QueryLoad,
  type QueryLoadOptions,
  type QueryLoadResult,
  startQueryLoad,
  waitForLoadProgress,
} from './query-load.js';
export {
  type CreateTestCertificatesOptions,
  createTestCertificates,
  type TestCertificates,
} from './test-certificates.js';
