import { resolveServiceEndpoint } from '../endpoint.js';
import { InvalidOptionError, InvalidSnapshotError } from '../errors.js';
import { parseCidr4 } from '../util/ip.js';
import { type AnalysisContext, analysisContext, type LambdaSide } from './analyze/context.js';
import {
  checkDatabasePaths,
  checkDatabaseStates,
  type DatabaseTargetSummary,
  dbTargets,
} from './analyze/databases.js';
import { checkFunction, checkFunctionOutsideVpc } from './analyze/function.js';
import {
  analyzeServicePath,
  type ServicePathSummary,
  type ServiceSpec,
} from './analyze/service-path.js';
import type { Finding, FindingRule } from './findings/types.js';
import type { RotationNetworkSnapshot } from './snapshot.js';

export type { DatabaseTargetSummary } from './analyze/databases.js';
export type { ServicePathSummary, ServiceRoute } from './analyze/service-path.js';

export interface AnalyzeOptions {
  /** Also check the path to the RDS API (R8), for functions that call it. @default false */
  checkRdsApi?: boolean;
  /** Warn when the function timeout is below this many seconds (R9). @default 30 */
  minFunctionTimeoutSeconds?: number;
}

export interface RotationNetworkAnalysis {
  /** No finding of severity `error`. */
  ok: boolean;
  findings: Finding[];
  secretsManager?: ServicePathSummary;
  rdsApi?: ServicePathSummary;
  databases: DatabaseTargetSummary[];
}

const LIST_FIELDS = [
  'dbClusters',
  'dbInstances',
  'dbSubnetGroups',
  'vpcs',
  'subnets',
  'securityGroups',
  'networkAcls',
  'routeTables',
  'vpcEndpoints',
  'natGateways',
  'internetGateways',
  'dhcpOptions',
] as const;

const SECRETS_MANAGER: ServiceSpec = {
  service: 'secretsmanager',
  label: 'Secrets Manager',
  clientName: 'Secrets Manager',
  condition: 'R4',
  dnsCondition: 'R3',
  routeCondition: 'R5',
};

const RDS_API: ServiceSpec = {
  service: 'rds',
  label: 'the RDS API',
  clientName: 'RDS',
  condition: 'R8',
  dnsCondition: 'R8',
  routeCondition: 'R8',
};

function validate(snapshot: unknown): asserts snapshot is RotationNetworkSnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) {
    throw InvalidSnapshotError.of('(root)', 'expected an object');
  }
  const s = snapshot as Record<string, unknown>;
  if (typeof s.region !== 'string' || s.region === '') {
    throw InvalidSnapshotError.of('region', 'expected a region name such as "us-east-1"');
  }
  for (const field of LIST_FIELDS) {
    if (!Array.isArray(s[field])) {
      throw InvalidSnapshotError.of(field, `expected an array, got ${typeof s[field]}`);
    }
  }
  for (const field of ['vpcAttributes', 'prefixLists'] as const) {
    if (typeof s[field] !== 'object' || s[field] === null || Array.isArray(s[field])) {
      throw InvalidSnapshotError.of(field, 'expected an object keyed by id');
    }
  }
}

function resolveOptions(options: AnalyzeOptions | undefined): Readonly<Required<AnalyzeOptions>> {
  const resolved = {
    checkRdsApi: options?.checkRdsApi ?? false,
    minFunctionTimeoutSeconds: options?.minFunctionTimeoutSeconds ?? 30,
  };
  if (typeof resolved.checkRdsApi !== 'boolean') {
    throw InvalidOptionError.of('checkRdsApi', 'expected a boolean');
  }
  if (
    !Number.isFinite(resolved.minFunctionTimeoutSeconds) ||
    resolved.minFunctionTimeoutSeconds < 0
  ) {
    throw InvalidOptionError.of('minFunctionTimeoutSeconds', 'expected a number of seconds >= 0');
  }
  return Object.freeze(resolved);
}

/** The function's side of every flow: one node per subnet, all with the function's groups. */
function lambdaSide(ctx: AnalysisContext, functionName: string): LambdaSide {
  const fn = ctx.snap.function!;
  const why = `function ${functionName}`;
  const subnets = (fn.VpcConfig?.SubnetIds ?? []).map((id) => ctx.subnet(id, why));
  const vpcId = fn.VpcConfig?.VpcId ?? subnets[0]?.VpcId ?? '?';
  const groups = ctx.groups(fn.VpcConfig?.SecurityGroupIds ?? [], why);
  const nodes = subnets.map((subnet) => {
    const cidr = parseCidr4(subnet.CidrBlock);
    return {
      label: `the rotation function ${functionName}`,
      subnet,
      ranges: cidr ? [cidr] : [],
      groups,
    };
  });
  return { functionName, vpcId, vpc: ctx.snap.vpcs.find((v) => v.VpcId === vpcId), groups, nodes };
}

/** Outside a VPC the function reaches Secrets Manager over the internet. */
function internetServicePath(snapshot: RotationNetworkSnapshot): ServicePathSummary {
  const env = snapshot.function?.Environment?.Variables ?? {};
  const resolved = resolveServiceEndpoint({ region: snapshot.region, env });
  return {
    service: 'secretsmanager',
    host: resolved.host,
    hostSource: resolved.source,
    route: 'internet',
  };
}

function finish(ctx: AnalysisContext, result: RotationNetworkAnalysis): RotationNetworkAnalysis {
  result.findings = ctx.findings.list();
  result.ok = !result.findings.some((f) => f.severity === 'error');
  return result;
}

/**
 * Evaluates, without sending a packet, whether a rotation function can reach Secrets Manager
 * (through an interface endpoint or NAT) and every member of its database on the DB port:
 * security groups, network ACLs, route tables, endpoints, DNS attributes and policies.
 * Pure: the same snapshot always gives the same findings.
 * @example
 * const analysis = analyzeRotationNetwork(await collectSnapshot({ functionName, secretId, clients }));
 * for (const f of analysis.findings) console.log(f.severity, f.code, f.message, '->', f.fix);
 */
export function analyzeRotationNetwork(
  snapshot: RotationNetworkSnapshot,
  options?: AnalyzeOptions,
): RotationNetworkAnalysis {
  validate(snapshot);
  const { checkRdsApi, minFunctionTimeoutSeconds } = resolveOptions(options);
  const ctx = analysisContext(snapshot);
  const targets = dbTargets(snapshot);
  const result: RotationNetworkAnalysis = {
    ok: true,
    findings: [],
    databases: targets.map((t) => t.summary),
  };
  checkDatabaseStates(ctx, targets);
  const fn = snapshot.function;
  if (!fn) return finish(ctx, result);
  const functionName = fn.FunctionName ?? fn.FunctionArn ?? '(function)';
  checkFunction(ctx, fn, functionName, minFunctionTimeoutSeconds);
  if ((fn.VpcConfig?.SubnetIds ?? []).length === 0) {
    checkFunctionOutsideVpc(ctx, functionName, targets);
    result.secretsManager = internetServicePath(snapshot);
    return finish(ctx, result);
  }
  const lambda = lambdaSide(ctx, functionName);
  const env = fn.Environment?.Variables ?? {};
  result.secretsManager = analyzeServicePath(ctx, lambda, SECRETS_MANAGER, env);
  if (checkRdsApi) result.rdsApi = analyzeServicePath(ctx, lambda, RDS_API, env);
  checkDatabasePaths(ctx, lambda, targets);
  return finish(ctx, result);
}

export type { FindingRule };
