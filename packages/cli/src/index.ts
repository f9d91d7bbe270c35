export {
  type AwsSettings,
  type GlobalOptions,
  resolveAwsSettings,
  secretsManagerConfig,
} from './aws.js';
export type { DoctorReport } from './commands/doctor.js';
export {
  AwsApiError,
  CliError,
  type CliErrorOptions,
  ExitCode,
  InterruptedError,
  ManagedSecretRefusedError,
  type ManagedSecretRefusedErrorOptions,
  RegionMissingError,
  UsageError,
  type UsageErrorOptions,
} from './errors.js';
export type { CliIo } from './output.js';
export { runCli } from './program.js';
export {
  type AssessOptions,
  assessSecret,
  IN_PROGRESS_WINDOW_MS,
  type SecretStatus,
  type Verdict,
  type VersionStatus,
} from './status/assess.js';
