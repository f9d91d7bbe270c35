export { type ErrorClass, errorClassesOf, nameAfterMinifying } from './error-names.js';
export {
  AdminStatementError,
  type AdminStatementErrorContext,
  MysqlBinaryNotFoundError,
  type MysqlBinaryNotFoundErrorContext,
  MysqlStartError,
  type MysqlStartErrorContext,
  TestingError,
  type TestingErrorOptions,
} from './errors.js';
export { parseMysqlUrl } from './external-server.js';
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
