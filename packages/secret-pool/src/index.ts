export type {
  BackoffOptions,
  ForcedRefreshOptions,
  ResolvedCacheOptions,
  SecretCacheOptions,
  SecretsManagerLike,
} from './cache/options.js';
export {
  type FetchErrorEvent,
  type FetchEvent,
  type FetchReason,
  type GetSecretOptions,
  type RefreshRefusedEvent,
  SecretCache,
  type SecretCacheEvents,
  type SecretCacheStats,
  type SecretSelector,
  type VersionChangedEvent,
} from './cache/secret-cache.js';
export { SecretValue } from './cache/secret-value.js';
export { channels } from './diagnostics.js';
export {
  AccountLockedError,
  AuthenticationError,
  ClosedError,
  ConnectionError,
  DatabaseAccessDeniedError,
  type DriverErrorContext,
  EndpointLookupError,
  HostNotAllowedError,
  InvalidOptionError,
  LoginGuardError,
  type LoginGuardReason,
  ManagedRotationPendingError,
  PasswordExpiredError,
  SecretFetchError,
  SecretFormatError,
  SecretPoolError,
  ServerBusyError,
  TerminalConnectionError,
  type TerminalReason,
  UnknownDatabaseError,
  UnsupportedDriverError,
} from './errors.js';
export {
  type MetricCallback,
  type MetricsLike,
  type MetricsOption,
  type MetricUnitName,
  POOL_METRICS,
} from './metrics.js';
export {
  type AuthFailureEvent,
  type ConnectionRetiredEvent,
  type CredentialsRefreshedEvent,
  type CredentialsRejectedEvent,
  createPool,
  type LoginGuardEvent,
  type RefreshReason,
  type SecretPool,
  type SecretPoolEvents,
} from './pool/create-pool.js';
export type {
  AuthRetryOptions,
  CreatePoolOptions,
  LoginGuardOptions,
  ManagedRotationOptions,
  PoolCacheOptions,
  RdsEndpointOptions,
  RetireOptions,
  SecretSourceOptions,
  ServerBusyOptions,
} from './pool/options.js';
export type { RdsClientLike } from './pool/rds-endpoint.js';
export type { CredentialSource, SecretPoolStats } from './stats.js';
