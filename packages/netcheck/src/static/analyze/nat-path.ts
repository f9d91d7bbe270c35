import type { NatGateway, Subnet } from '@aws-sdk/client-ec2';
import { isAvailable } from '../endpoints.js';
import type { NatGatewayData } from '../findings/data.js';
import type { ConditionId } from '../findings/types.js';
import { EPHEMERAL_PORTS } from '../nacls.js';
import { lookupRoute, type RouteMatch } from '../routes.js';
import {
  type AnalysisContext,
  type FlowNode,
  PUBLIC_RANGES,
  routeTableOf,
  WHOLE_V4,
} from './context.js';
import { checkAcl, checkLocalRoute, checkSecurityGroup, raiseBlackhole } from './flow.js';

export type NatOutcome = 'ok' | 'unverified' | 'failed' | 'no-default-route';

type Ports = readonly [number, number];

/** The function subnet's own SG and NACLs let HTTPS out to the internet and replies back in. */
function checkWayOutOfSubnet(
  ctx: AnalysisContext,
  lambda: FlowNode,
  serviceLabel: string,
  what: string,
  port: Ports,
  condition: ConditionId,
): boolean {
  const { subnet } = lambda;
  const publicPeer = { groups: [], ranges: PUBLIC_RANGES, label: serviceLabel };
  const reply = `return traffic of ${what}`;
  let ok = checkSecurityGroup(ctx, lambda, 'egress', port, publicPeer, condition);
  ok = checkAcl(ctx, subnet, 'egress', port, PUBLIC_RANGES, what, condition) && ok;
  ok = checkAcl(ctx, subnet, 'ingress', EPHEMERAL_PORTS, PUBLIC_RANGES, reply, condition) && ok;
  return ok;
}

/** Lambda ENIs have no public IP, so an internet gateway route leads nowhere. */
function raiseIgwRoute(
  ctx: AnalysisContext,
  match: RouteMatch,
  subnet: Subnet,
  what: string,
  serviceLabel: string,
): void {
  const tableId = match.table.RouteTableId ?? '?';
  const { destination } = match;
  ctx.findings.add({
    code: 'IGW_ROUTE_WITHOUT_PUBLIC_IP',
    resource: { type: 'route-table', id: tableId },
    rule: { destination },
    data: {
      tableId,
      subnetId: subnet.SubnetId,
      destination,
      igwId: match.target.id,
      what,
      serviceLabel,
    },
  });
}

/** A transit gateway, peering or appliance: the analysis does not follow it. */
function raiseUnfollowedRoute(
  ctx: AnalysisContext,
  match: RouteMatch,
  subnet: Subnet,
  serviceLabel: string,
): void {
  const tableId = match.table.RouteTableId ?? '?';
  const { destination, target } = match;
  ctx.findings.add({
    code: 'ROUTE_TARGET_UNVERIFIED',
    resource: { type: 'route-table', id: tableId },
    rule: { destination },
    data: {
      situation: 'default-route',
      tableId,
      subnetId: subnet.SubnetId,
      destination,
      targetId: target.id,
      targetKind: target.kind,
      serviceLabel,
    },
  });
}

/** Lambda subnet -> default route -> NAT gateway -> IGW, with SGs and NACLs on the way. */
export function checkNatPath(
  ctx: AnalysisContext,
  lambda: FlowNode,
  serviceLabel: string,
  condition: ConditionId,
  port: number,
): NatOutcome {
  const { subnet } = lambda;
  const table = routeTableOf(ctx, subnet);
  const match = table ? lookupRoute(table, WHOLE_V4, ctx.prefixLists) : undefined;
  if (!match) return 'no-default-route';
  const what = `traffic to ${serviceLabel}`;
  const wayOut = () =>
    checkWayOutOfSubnet(ctx, lambda, serviceLabel, what, [port, port], condition);
  if (match.blackhole) {
    raiseBlackhole(ctx, match, subnet, what, 'R5');
    return 'failed';
  }
  switch (match.target.kind) {
    case 'internet-gateway':
      raiseIgwRoute(ctx, match, subnet, what, serviceLabel);
      return 'failed';
    case 'nat-gateway': {
      const ok = wayOut();
      return checkNatGateway(ctx, match, lambda, what, port) && ok ? 'ok' : 'failed';
    }
    default:
      raiseUnfollowedRoute(ctx, match, subnet, serviceLabel);
      return wayOut() ? 'unverified' : 'failed';
  }
}

function natState(nat: NatGateway | undefined): NatGatewayData['state'] | undefined {
  if (!nat) return 'missing';
  if (nat.ConnectivityType === 'private') return 'private';
  return isAvailable(nat.State) ? undefined : { state: nat.State };
}

/** NAT subnet NACLs both ways (request and reply), and the route back to the function. */
function checkNatSubnetFlow(
  ctx: AnalysisContext,
  natSubnet: Subnet,
  lambda: FlowNode,
  what: string,
  port: number,
): boolean {
  const p: Ports = [port, port];
  const reply = `return traffic of ${what}`;
  let ok = checkAcl(ctx, natSubnet, 'ingress', p, lambda.ranges, what, 'R5');
  ok = checkAcl(ctx, natSubnet, 'egress', p, PUBLIC_RANGES, what, 'R5') && ok;
  ok = checkAcl(ctx, natSubnet, 'ingress', EPHEMERAL_PORTS, PUBLIC_RANGES, reply, 'R5') && ok;
  ok = checkAcl(ctx, natSubnet, 'egress', EPHEMERAL_PORTS, lambda.ranges, reply, 'R5') && ok;
  ok = checkLocalRoute(ctx, natSubnet, lambda.ranges, reply, 'R5') && ok;
  return ok;
}

/** The NAT gateway is public and available, and its subnet routes to an attached IGW. */
function checkNatGateway(
  ctx: AnalysisContext,
  match: RouteMatch,
  lambda: FlowNode,
  what: string,
  port: number,
): boolean {
  const natId = match.target.id;
  const nat = ctx.snap.natGateways.find((n) => n.NatGatewayId === natId);
  const state = natState(nat);
  if (state) {
    ctx.findings.add({
      code: 'NAT_GATEWAY_NOT_AVAILABLE',
      resource: { type: 'nat-gateway', id: natId },
      data: {
        natId,
        destination: match.destination,
        tableId: match.table.RouteTableId,
        state,
        what,
      },
    });
    return false;
  }
  const natSubnet = nat?.SubnetId ? ctx.subnet(nat.SubnetId, `NAT gateway ${natId}`) : undefined;
  if (!natSubnet) return true;
  let ok = true;
  if (natSubnet.SubnetId !== lambda.subnet.SubnetId) {
    ok = checkNatSubnetFlow(ctx, natSubnet, lambda, what, port);
  }
  return checkNatSubnetRoute(ctx, natId, natSubnet, what) && ok;
}

/** The NAT gateway's subnet sends 0.0.0.0/0 to an internet gateway attached to the VPC. */
function checkNatSubnetRoute(
  ctx: AnalysisContext,
  natId: string,
  natSubnet: Subnet,
  what: string,
): boolean {
  const natTable = routeTableOf(ctx, natSubnet);
  const natRoute = natTable ? lookupRoute(natTable, WHOLE_V4, ctx.prefixLists) : undefined;
  const tableId = natTable?.RouteTableId ?? '(none)';
  const vpcId = natSubnet.VpcId;
  if (!natRoute) {
    ctx.findings.add({
      code: 'NO_ROUTE_TO_DESTINATION',
      resource: { type: 'route-table', id: tableId },
      rule: { destination: '0.0.0.0/0' },
      data: {
        situation: 'nat-subnet',
        natId,
        natSubnetId: natSubnet.SubnetId,
        tableId,
        vpcId,
        what,
      },
    });
    return false;
  }
  if (natRoute.blackhole) {
    raiseBlackhole(ctx, natRoute, natSubnet, what, 'R5');
    return false;
  }
  const { destination } = natRoute;
  if (natRoute.target.kind !== 'internet-gateway') {
    ctx.findings.add({
      code: 'ROUTE_TARGET_UNVERIFIED',
      resource: { type: 'route-table', id: tableId },
      rule: { destination },
      data: {
        situation: 'nat-subnet',
        natSubnetId: natSubnet.SubnetId,
        tableId,
        destination,
        targetId: natRoute.target.id,
        vpcId,
      },
    });
    return true;
  }
  return checkIgwAttached(ctx, natRoute, natSubnet, tableId);
}

/** The internet gateway the NAT gateway's subnet routes to is attached to its VPC. */
function checkIgwAttached(
  ctx: AnalysisContext,
  natRoute: RouteMatch,
  natSubnet: Subnet,
  tableId: string,
): boolean {
  const igwId = natRoute.target.id;
  const vpcId = natSubnet.VpcId;
  const igw = ctx.snap.internetGateways.find((g) => g.InternetGatewayId === igwId);
  const attached = igw?.Attachments?.some(
    (a) => a.VpcId === vpcId && /^(available|attached)$/i.test(a.State ?? ''),
  );
  if (attached) return true;
  ctx.findings.add({
    code: 'IGW_NOT_ATTACHED',
    resource: { type: 'internet-gateway', id: igwId },
    data: { igwId, destination: natRoute.destination, found: igw !== undefined, vpcId, tableId },
  });
  return false;
}
