import type { SecurityGroup, Subnet } from '@aws-sdk/client-ec2';
import { InvalidSnapshotError } from '../../errors.js';
import { formatRange, type Ipv4Range } from '../../util/ip.js';
import type { ConditionId } from '../findings/types.js';
import { aclForSubnet, EPHEMERAL_PORTS, evaluateNetworkAcl } from '../nacls.js';
import { lookupRoute, type RouteMatch } from '../routes.js';
import { type Direction, evaluateSecurityGroups } from '../security-groups.js';
import {
  type AnalysisContext,
  describeRanges,
  type FlowNode,
  groupIds,
  PUBLIC_RANGES,
  portsText,
  routeTableOf,
} from './context.js';

type Ports = readonly [number, number];

/** Raises ENI_SG_RULES_MISMATCH unless `owner`'s groups allow TCP `port` with `peer`; false on a deny. */
export function checkSecurityGroup(
  ctx: AnalysisContext,
  owner: { groups: SecurityGroup[]; label: string },
  direction: Direction,
  port: Ports,
  peer: { groups: SecurityGroup[]; ranges: readonly Ipv4Range[]; label: string },
  condition: ConditionId,
): boolean {
  const evaluation = evaluateSecurityGroups(
    owner.groups,
    direction,
    port,
    { ranges: peer.ranges, groupIds: groupIds(peer.groups) },
    ctx.prefixLists,
  );
  if (evaluation.verdict === 'allow') return true;
  const ownerGroupIds = groupIds(owner.groups);
  const ports = portsText(port);
  const publicPeer = peer.ranges === PUBLIC_RANGES;
  // The peer in the rule is the address range that failed: findings from several subnets
  // merge into one list.
  ctx.findings.add({
    code: 'ENI_SG_RULES_MISMATCH',
    condition,
    resource: { type: 'security-group', id: ownerGroupIds[0] ?? '?' },
    rule: {
      direction,
      protocol: 'tcp',
      ports,
      peer: publicPeer ? 'internet' : describeRanges(peer.ranges),
    },
    data: {
      direction,
      ports,
      groupIds: ownerGroupIds,
      ownerLabel: owner.label,
      partial: evaluation.verdict === 'partial',
      peerLabel: peer.label,
      peerGroupIds: groupIds(peer.groups),
      referenceGroupId: peer.groups[0]?.GroupId || undefined,
      publicPeer,
    },
  });
  return evaluation.verdict !== 'deny';
}

/** Raises SUBNET_ACL_RESTRICTION unless the subnet's network ACL lets `what` through; false on a deny. */
export function checkAcl(
  ctx: AnalysisContext,
  subnet: Subnet,
  direction: Direction,
  port: Ports,
  peers: readonly Ipv4Range[],
  what: string,
  condition: ConditionId,
): boolean {
  const acl = aclForSubnet(ctx.snap.networkAcls, subnet.SubnetId ?? '', subnet.VpcId);
  if (!acl) {
    throw InvalidSnapshotError.of(
      'networkAcls',
      `no network ACL for subnet ${subnet.SubnetId} (neither associated nor a default ACL of ${subnet.VpcId})`,
    );
  }
  const evaluation = evaluateNetworkAcl(acl, direction, port, peers);
  if (evaluation.verdict === 'allow') return true;
  const aclId = acl.NetworkAclId ?? '?';
  const ports = portsText(port);
  ctx.findings.add({
    code: 'SUBNET_ACL_RESTRICTION',
    condition,
    resource: { type: 'network-acl', id: aclId },
    rule: {
      direction,
      protocol: 'tcp',
      ports,
      peer: describeRanges(peers),
      ruleNumber: evaluation.deniedBy,
    },
    data: {
      aclId,
      subnetId: subnet.SubnetId,
      direction,
      ports,
      what,
      partial: evaluation.verdict === 'partial',
      deniedBy: evaluation.deniedBy,
      publicPeer: peers === PUBLIC_RANGES,
      portRange: port[0] !== port[1],
      statelessReply: direction === 'ingress' && port[0] === EPHEMERAL_PORTS[0],
    },
  });
  return evaluation.verdict !== 'deny';
}

export function raiseBlackhole(
  ctx: AnalysisContext,
  match: RouteMatch,
  from: Subnet,
  what: string,
  condition: ConditionId,
): void {
  const tableId = match.table.RouteTableId ?? '?';
  ctx.findings.add({
    code: 'ROUTE_BLACKHOLE',
    condition,
    resource: { type: 'route-table', id: tableId },
    rule: { destination: match.destination },
    data: {
      tableId,
      destination: match.destination,
      subnetId: from.SubnetId,
      targetId: match.target.id,
      what,
    },
  });
}

/** The subnet's route to each range stays inside the VPC (the local route); false if it cannot. */
export function checkLocalRoute(
  ctx: AnalysisContext,
  from: Subnet,
  to: readonly Ipv4Range[],
  what: string,
  condition: ConditionId,
): boolean {
  const table = routeTableOf(ctx, from);
  if (!table) {
    throw InvalidSnapshotError.of(
      'routeTables',
      `no route table for subnet ${from.SubnetId} (neither associated nor a main table of ${from.VpcId})`,
    );
  }
  const tableId = table.RouteTableId ?? '?';
  let ok = true;
  for (const range of to) {
    const match = lookupRoute(table, range, ctx.prefixLists);
    const destination = formatRange(range);
    if (!match) {
      ctx.findings.add({
        code: 'NO_ROUTE_TO_DESTINATION',
        condition,
        resource: { type: 'route-table', id: tableId },
        rule: { destination },
        data: { situation: 'local', tableId, subnetId: from.SubnetId, destination, what },
      });
      ok = false;
    } else if (match.blackhole) {
      raiseBlackhole(ctx, match, from, what, condition);
      ok = false;
    } else if (match.target.kind !== 'local') {
      ctx.findings.add({
        code: 'ROUTE_TARGET_UNVERIFIED',
        condition,
        resource: { type: 'route-table', id: tableId },
        rule: { destination: match.destination },
        data: {
          situation: 'local',
          tableId,
          targetId: match.target.id,
          destination: match.destination,
          range: destination,
          what,
        },
      });
    }
  }
  return ok;
}

/** SG both ways, NACLs both ways on both subnets, routes both ways, for TCP `port`. */
export function checkFlow(
  ctx: AnalysisContext,
  src: FlowNode,
  dst: FlowNode,
  port: number,
  what: string,
  condition: ConditionId,
): boolean {
  const p: Ports = [port, port];
  let ok = checkSecurityGroup(ctx, src, 'egress', p, dst, condition);
  ok = checkSecurityGroup(ctx, dst, 'ingress', p, src, condition) && ok;
  // Traffic that stays inside one subnet never crosses its network ACL.
  if (src.subnet.SubnetId === dst.subnet.SubnetId) return ok;
  const reply = `return traffic of ${what}`;
  ok = checkAcl(ctx, src.subnet, 'egress', p, dst.ranges, what, condition) && ok;
  ok = checkAcl(ctx, dst.subnet, 'ingress', p, src.ranges, what, condition) && ok;
  ok = checkAcl(ctx, dst.subnet, 'egress', EPHEMERAL_PORTS, src.ranges, reply, condition) && ok;
  ok = checkAcl(ctx, src.subnet, 'ingress', EPHEMERAL_PORTS, dst.ranges, reply, condition) && ok;
  ok = checkLocalRoute(ctx, src.subnet, dst.ranges, what, condition) && ok;
  ok = checkLocalRoute(ctx, dst.subnet, src.ranges, reply, condition) && ok;
  return ok;
}
