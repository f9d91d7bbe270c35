export {
  defaultServiceHost,
  type EndpointAwareClientConfig,
  type EndpointSource,
  type EnvLike,
  type ResolvedEndpoint,
  type ResolveEndpointOptions,
  resolveClientEndpoint,
  resolveServiceEndpoint,
} from './endpoint.js';
export {
  InvalidOptionError,
  InvalidSnapshotError,
  NetcheckError,
  SnapshotCollectionError,
} from './errors.js';
export {
  classifyNetworkError,
  isNetworkError,
  type NetworkErrorInfo,
} from './live/classify.js';
export { type DiagnoseOptions, type Diagnosis, diagnoseFailure } from './live/diagnose.js';
export { type ProbeDnsOptions, probeDns } from './live/dns.js';
export {
  type MysqlEvidence,
  type MysqlLogin,
  type ProbeMysqlOptions,
  probeMysql,
} from './live/mysql.js';
export { type MysqlGreeting, parseGreeting } from './live/mysql-greeting.js';
export type { CheckId, CheckStatus, PathCheck, PathReport } from './live/path.js';
export {
  type PostgresAuthRequest,
  type PostgresEvidence,
  type PostgresLogin,
  type PostgresTlsMode,
  type ProbePostgresOptions,
  probePostgres,
} from './live/postgres.js';
export { type PostgresGreeting, parsePostgresGreeting } from './live/postgres-greeting.js';
export { type CheckPathOptions, checkAppPath, checkRotationPath } from './live/presets.js';
export {
  defaultMysqlRateLimiter,
  ProbeRateLimiter,
  type ProbeRateLimiterOptions,
  type RateLimitDecision,
} from './live/rate-limiter.js';
export { type FormatReportOptions, formatReport } from './live/report.js';
export type { SecretInput } from './live/secret.js';
export {
  type ProbeSecretsManagerOptions,
  probeSecretsManager,
  type SecretsManagerEvidence,
  type SecretsManagerLike,
} from './live/secrets-manager.js';
export { type ProbeTcpOptions, probeTcp } from './live/tcp.js';
export { type ProbeTlsOptions, probeTls, type TlsEvidence } from './live/tls.js';
export type {
  ConnectAttempt,
  DnsEvidence,
  ProbeError,
  ProbeKind,
  ProbeOptions,
  ProbeResult,
  ProbeStatus,
  TcpEvidence,
} from './live/types.js';
export {
  type AnalyzeOptions,
  analyzeRotationNetwork,
  type DatabaseTargetSummary,
  type RotationNetworkAnalysis,
  type ServicePathSummary,
  type ServiceRoute,
} from './static/analyze.js';
export { FINDING_CODES, type FindingCode } from './static/findings/catalogue.js';
export type {
  ConditionId,
  Finding,
  FindingRule,
  FindingSeverity,
  ResourceType,
  ServiceName,
} from './static/findings/types.js';
export {
  type CollectSnapshotOptions,
  collectSnapshot,
  type RotationNetworkSnapshot,
  type SendingClient,
  type SnapshotClients,
  type VpcDnsAttributes,
} from './static/snapshot.js';
export { type AddressScope, type ClassifiedAddress, classifyAddress } from './util/ip.js';
