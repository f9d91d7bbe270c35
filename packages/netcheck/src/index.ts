export {
  defaultServiceHost,
  type EndpointSource,
  type EnvLike,
  type ResolvedEndpoint,
  type ResolveEndpointOptions,
  resolveServiceEndpoint,
} from './endpoint.js';
export {
  InvalidOptionError,
  InvalidSnapshotError,
  NetcheckError,
  SecretReadError,
  SnapshotCollectionError,
} from './errors.js';
export {
  type AnalyzeOptions,
  analyzeRotationNetwork,
  type DatabaseTargetSummary,
  type RotationNetworkAnalysis,
  type ServicePathSummary,
  type ServiceRoute,
} from './static/analyze.js';
export {
  type ConditionId,
  FINDING_CODES,
  type Finding,
  type FindingCode,
  type FindingRule,
  type FindingSeverity,
  type ResourceType,
} from './static/findings.js';
export {
  type CollectSnapshotOptions,
  collectSnapshot,
  type RotationNetworkSnapshot,
  type SendingClient,
  type SnapshotClients,
  type VpcDnsAttributes,
} from './static/snapshot.js';
export { type AddressScope, type ClassifiedAddress, classifyAddress } from './util/ip.js';
