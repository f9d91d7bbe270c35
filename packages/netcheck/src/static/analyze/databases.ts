import type { DBCluster, DBInstance, DBSubnetGroup } from '@aws-sdk/client-rds';
import { defaultPortOf, type Engine, engineNamed } from '@rotakit/core';
import { parseCidr4 } from '../../util/ip.js';
import type { ResourceType } from '../findings/types.js';
import type { RotationNetworkSnapshot } from '../snapshot.js';
import type { AnalysisContext, FlowNode, LambdaSide } from './context.js';
import { checkFlow } from './flow.js';

const ENGINE_LABEL: Record<Engine, string> = { mysql: 'MySQL', postgres: 'PostgreSQL' };

/** The protocol of an RDS `Engine` (`aurora-postgresql`, `mysql`, ...); undefined for others. */
function protocolOf(rdsEngine: string | undefined): Engine | undefined {
  return rdsEngine ? engineNamed(rdsEngine) : undefined;
}

/** The port when RDS reports none: the engine's default (3306 for an engine rotakit does not speak). */
function defaultDbPort(rdsEngine: string | undefined): number {
  return defaultPortOf(protocolOf(rdsEngine) ?? 'mysql');
}

export interface DatabaseTargetSummary {
  type: 'db-cluster' | 'db-instance';
  id: string;
  /** RDS's `Engine` (`aurora-mysql`, `aurora-postgresql`, ...), when it reports one. */
  engine?: string;
  /** RDS's port, else the engine's default (5432 for PostgreSQL, 3306 for MySQL). */
  port: number;
  vpcId?: string;
  securityGroupIds: string[];
  /** Each member with the subnets it can sit in (its AZ's subnets in the DB subnet group). */
  members: Array<{ id: string; subnetIds: string[] }>;
}

export interface DbTarget {
  summary: DatabaseTargetSummary;
  resourceType: Extract<ResourceType, 'db-cluster' | 'db-instance'>;
  status: string | undefined;
  subnetGroup: DBSubnetGroup | undefined;
  securityGroupIds: string[];
}

function subnetGroupByName(
  snap: RotationNetworkSnapshot,
  name: string | undefined,
  embedded?: DBSubnetGroup,
): DBSubnetGroup | undefined {
  return snap.dbSubnetGroups.find((g) => g.DBSubnetGroupName === name) ?? embedded;
}

/** The subnets of the group in the instance's AZs (the writer moves), else all of them. */
function memberSubnets(
  group: DBSubnetGroup | undefined,
  instance: DBInstance | undefined,
): string[] {
  const all = (group?.Subnets ?? []).filter((s) => s.SubnetIdentifier);
  const azs = [instance?.AvailabilityZone, instance?.SecondaryAvailabilityZone].filter(Boolean);
  const inAz = all.filter((s) => azs.includes(s.SubnetAvailabilityZone?.Name));
  return (inAz.length > 0 ? inAz : all).map((s) => s.SubnetIdentifier!);
}

function vpcSecurityGroupIds(groups: Array<{ VpcSecurityGroupId?: string }> | undefined): string[] {
  return (groups ?? []).map((g) => g.VpcSecurityGroupId ?? '');
}

function clusterTarget(
  snap: RotationNetworkSnapshot,
  cluster: DBCluster,
  inCluster: Set<string>,
): DbTarget {
  const group = subnetGroupByName(snap, cluster.DBSubnetGroup);
  const id = cluster.DBClusterIdentifier ?? '?';
  const members = (cluster.DBClusterMembers ?? []).map((m) => {
    inCluster.add(m.DBInstanceIdentifier ?? '');
    const instance = snap.dbInstances.find(
      (i) => i.DBInstanceIdentifier === m.DBInstanceIdentifier,
    );
    return {
      id: m.DBInstanceIdentifier ?? '?',
      subnetIds: memberSubnets(group ?? instance?.DBSubnetGroup, instance),
    };
  });
  const securityGroupIds = vpcSecurityGroupIds(cluster.VpcSecurityGroups);
  return {
    summary: {
      type: 'db-cluster',
      id,
      ...(cluster.Engine ? { engine: cluster.Engine } : {}),
      port: cluster.Port ?? defaultDbPort(cluster.Engine),
      vpcId: group?.VpcId || undefined,
      securityGroupIds,
      // A cluster without members yet: its subnet group is where they will be.
      members: members.length > 0 ? members : [{ id, subnetIds: memberSubnets(group, undefined) }],
    },
    resourceType: 'db-cluster',
    status: cluster.Status,
    subnetGroup: group,
    securityGroupIds,
  };
}

function instanceTarget(snap: RotationNetworkSnapshot, instance: DBInstance): DbTarget {
  const group = subnetGroupByName(
    snap,
    instance.DBSubnetGroup?.DBSubnetGroupName,
    instance.DBSubnetGroup,
  );
  const securityGroupIds = vpcSecurityGroupIds(instance.VpcSecurityGroups);
  const id = instance.DBInstanceIdentifier ?? '?';
  return {
    summary: {
      type: 'db-instance',
      id,
      ...(instance.Engine ? { engine: instance.Engine } : {}),
      port: instance.Endpoint?.Port ?? instance.DbInstancePort ?? defaultDbPort(instance.Engine),
      vpcId: group?.VpcId || undefined,
      securityGroupIds,
      members: [{ id, subnetIds: memberSubnets(group, instance) }],
    },
    resourceType: 'db-instance',
    status: instance.DBInstanceStatus,
    subnetGroup: group,
    securityGroupIds,
  };
}

/** Every DB cluster, and every instance that is not a cluster member. */
export function dbTargets(snap: RotationNetworkSnapshot): DbTarget[] {
  const inCluster = new Set<string>();
  const clusters = (snap.dbClusters as DBCluster[]).map((c) => clusterTarget(snap, c, inCluster));
  const instances = snap.dbInstances
    .filter((i) => !inCluster.has(i.DBInstanceIdentifier ?? '') && !i.DBClusterIdentifier)
    .map((i) => instanceTarget(snap, i));
  return [...clusters, ...instances];
}

export function checkDatabaseStates(ctx: AnalysisContext, targets: readonly DbTarget[]): void {
  for (const target of targets) {
    if (!target.status || target.status === 'available') continue;
    const { id } = target.summary;
    ctx.findings.add({
      code: 'DB_NOT_AVAILABLE',
      resource: { type: target.resourceType, id },
      rule: { attribute: 'Status' },
      data: { resourceType: target.resourceType, id, status: target.status },
    });
  }
}

function dbNode(
  ctx: AnalysisContext,
  target: DbTarget,
  subnetId: string,
  groups: FlowNode['groups'],
): FlowNode {
  const subnet = ctx.subnet(subnetId, `DB subnet group of ${target.summary.id}`);
  const cidr = parseCidr4(subnet.CidrBlock);
  const kind = target.resourceType === 'db-cluster' ? 'DB cluster' : 'DB instance';
  return { label: `${kind} ${target.summary.id}`, subnet, ranges: cidr ? [cidr] : [], groups };
}

/** The engine's traffic from every function subnet to every subnet each member can sit in. */
function checkDatabasePath(ctx: AnalysisContext, lambda: LambdaSide, target: DbTarget): void {
  const { id, port } = target.summary;
  const protocol = protocolOf(target.summary.engine);
  const label = protocol ? ENGINE_LABEL[protocol] : 'TCP';
  const groups = ctx.groups(target.securityGroupIds, `${target.resourceType} ${id}`);
  for (const member of target.summary.members) {
    // Security group findings are per group, so they name the cluster; ACL and route
    // findings are per subnet, so `what` names the member.
    const memberText = member.id === id ? '' : ` member ${member.id}`;
    for (const subnetId of member.subnetIds) {
      const node = dbNode(ctx, target, subnetId, groups);
      const what = `${label} to ${node.label}${memberText} (${subnetId}, port ${port})`;
      for (const from of lambda.nodes) checkFlow(ctx, from, node, port, what, 'R7');
    }
  }
}

/** Each database must be in the function's VPC, and reachable on its port from every subnet. */
export function checkDatabasePaths(
  ctx: AnalysisContext,
  lambda: LambdaSide,
  targets: readonly DbTarget[],
): void {
  for (const target of targets) {
    const dbVpcId = target.summary.vpcId;
    if (!dbVpcId || dbVpcId === lambda.vpcId) {
      checkDatabasePath(ctx, lambda, target);
      continue;
    }
    ctx.findings.add({
      code: 'DIFFERENT_VPC',
      resource: { type: 'lambda-function', id: lambda.functionName },
      rule: { attribute: 'VpcConfig.VpcId' },
      data: {
        functionName: lambda.functionName,
        vpcId: lambda.vpcId,
        dbId: target.summary.id,
        dbVpcId,
        subnetGroupName: target.subnetGroup?.DBSubnetGroupName,
        port: target.summary.port,
      },
    });
  }
}
