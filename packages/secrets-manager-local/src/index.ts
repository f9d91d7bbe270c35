export {
  InvalidOptionError,
  ManagedRotationError,
  PersistenceError,
  RotationNotRetryableError,
  SecretsManagerLocalError,
  ServerClosedError,
  ServiceError,
  UnknownSecretError,
  WaitTimeoutError,
} from './errors.js';
export type { FaultHandle, FaultInfo, FaultKind, FaultSpec, Faults } from './faults.js';
export type {
  LambdaFunctionDefinition,
  LambdaLogEntry,
  LambdaLogSink,
} from './lambda/definition.js';
export type {
  CreateRdsManagedSecretOptions,
  RdsManagedDatabase,
  RdsManagedSecret,
} from './managed/options.js';
export { RDS_OWNING_SERVICE } from './managed/rds-managed.js';
export { RDS_EXCLUDED_CHARACTERS } from './managed/rotation-function.js';
export type { StartSecretsManagerOptions } from './options.js';
export type {
  InProcessRotationFunction,
  RotationCallback,
  RotationContext,
  RotationErrorInfo,
  RotationEvent,
  RotationFunction,
  RotationFunctionOptions,
  RotationOutcome,
  RotationStatus,
  RotationStep,
  RotationStepResult,
  WaitForRotationOptions,
} from './rotation.js';
export type { RunSecretsManagerLocalCliOptions } from './run-cli.js';
export {
  DEFAULT_CLI_PORT,
  parseCliArgs,
  runSecretsManagerLocalCli,
  startFromArgs,
} from './run-cli.js';
export type { Counts, SecretsManagerLocal } from './start.js';
export { startSecretsManager } from './start.js';
