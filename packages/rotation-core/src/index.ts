export type { LambdaContextLike } from './budget.js';
export { byEngine, type DriversByEngine } from './database/by-engine.js';
export type {
  ConnectOptions,
  DatabaseAccount,
  DatabaseDriver,
  DatabaseSession,
  DatabaseTarget,
  DatabaseTlsSettings,
  StatementHook,
  SyncAccountParams,
  SyncAccountResult,
} from './database/driver.js';
export {
  type MysqlConnectionExtras,
  type MysqlDriverOptions,
  mysql,
} from './database/mysql/driver.js';
export {
  type PostgresClientExtras,
  type PostgresDriverOptions,
  postgres,
} from './database/postgres/driver.js';
export {
  AccountCopyError,
  AdminOptionRequiredError,
  CloneNameTooLongError,
  CredentialMismatchError,
  type CredentialRole,
  DatabaseError,
  DatabaseLoginError,
  InvalidEventError,
  InvalidOptionError,
  type LoginAttempt,
  type LoginFailureReason,
  ManagedSecretError,
  MasterEndpointError,
  PreflightError,
  RotationError,
  RotationNotEnabledError,
  type RotationStep,
  SecretFormatError,
  type SecretSource,
  SecretsManagerError,
  type SecretsManagerFailureKind,
  TimeBudgetExceededError,
  TlsRequiredError,
  UnsafeIdentifierError,
  VersionNotPendingError,
} from './errors.js';
export { createRotationHandler, type RotationHandler } from './handler.js';
export {
  type JsonLoggerOptions,
  jsonLogger,
  type Logger,
  type LogLevel,
  silentLogger,
} from './logger.js';
export {
  describeManagedSecret,
  type ManagedRotationCommands,
  managedRotationCommands,
} from './managed-secret.js';
export {
  type MetricCallback,
  type MetricsLike,
  type MetricsOption,
  type MetricUnitName,
  ROTATION_METRICS,
  type StepOutcome,
} from './metrics.js';
export {
  type EnvironmentSettings,
  fromEnvironment,
  type MasterEndpointResolver,
  type PasswordPolicy,
  type PreflightOptions,
  type RetryOptions,
  type RotationBoundary,
  type RotationHandlerOptions,
  type RotationHooks,
  type RotationStrategy,
  type TestSecretOptions,
  type TimeoutOptions,
  type TlsOptions,
} from './options.js';
export { type RdsClientLike, rdsMasterEndpoint } from './rds.js';
export {
  type RunRotationParams,
  type RunRotationResult,
  type RunRotationStepEvent,
  runRotation,
} from './run-rotation.js';
export {
  DatabaseSecret,
  type ParseSecretOptions,
  parseSecret,
  SECRET_MAX_BYTES,
} from './secret.js';
export type { StepReport } from './steps/dispatcher.js';
export type { RotationEvent, RotationStepName } from './steps/event.js';
