export { type GlobalOptions, secretsManagerConfig } from './aws.js';
export type { DoctorReport } from './commands/doctor.js';
export { AwsApiError, CliError, ExitCode, UsageError } from './errors.js';
export type { CliIo } from './output.js';
export { runCli } from './program.js';
export {
  assessSecret,
  type SecretStatus,
  type Verdict,
  type VersionStatus,
} from './status/assess.js';
