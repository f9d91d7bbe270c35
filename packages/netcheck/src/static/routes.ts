import type { PrefixListEntry, Route, RouteTable } from '@aws-sdk/client-ec2';
import { type Ipv4Range, parseCidr4, rangeContains, rangesOverlap } from '../util/ip.js';

export type RouteTargetKind =
  | 'local'
  | 'internet-gateway'
  | 'nat-gateway'
  | 'virtual-private-gateway'
  | 'transit-gateway'
  | 'peering'
  | 'network-interface'
  | 'instance'
  | 'gateway-endpoint'
  | 'egress-only-gateway'
  | 'other';

export interface RouteTarget {
  kind: RouteTargetKind;
  id: string;
}

export interface RouteMatch {
  table: RouteTable;
  route: Route;
  /** `DestinationCidrBlock`, or the prefix list id. */
  destination: string;
  prefix: number;
  target: RouteTarget;
  blackhole: boolean;
  /** More specific routes that take part of the destination range elsewhere. */
  shadowedBy: Route[];
}

/** The subnet's explicitly associated route table, else the VPC's main table. */
export function routeTableForSubnet(
  tables: readonly RouteTable[],
  subnetId: string,
  vpcId: string | undefined,
): RouteTable | undefined {
  return (
    tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ??
    tables.find(
      (t) => t.Associations?.some((a) => a.Main) && (vpcId === undefined || t.VpcId === vpcId),
    )
  );
}

export function routeTarget(route: Route): RouteTarget {
  if (route.NatGatewayId) return { kind: 'nat-gateway', id: route.NatGatewayId };
  if (route.TransitGatewayId) return { kind: 'transit-gateway', id: route.TransitGatewayId };
  if (route.VpcPeeringConnectionId) return { kind: 'peering', id: route.VpcPeeringConnectionId };
  if (route.EgressOnlyInternetGatewayId) {
    return { kind: 'egress-only-gateway', id: route.EgressOnlyInternetGatewayId };
  }
  if (route.NetworkInterfaceId) {
    return { kind: 'network-interface', id: route.NetworkInterfaceId };
  }
  if (route.InstanceId) return { kind: 'instance', id: route.InstanceId };
  const gw = route.GatewayId ?? '';
  if (gw === 'local') return { kind: 'local', id: 'local' };
  if (gw.startsWith('igw-')) return { kind: 'internet-gateway', id: gw };
  if (gw.startsWith('vgw-')) return { kind: 'virtual-private-gateway', id: gw };
  if (gw.startsWith('vpce-')) return { kind: 'gateway-endpoint', id: gw };
  return { kind: 'other', id: gw || route.LocalGatewayId || route.CarrierGatewayId || '?' };
}

function routeRanges(
  route: Route,
  prefixLists: Readonly<Record<string, PrefixListEntry[]>>,
): Array<Ipv4Range & { prefix: number }> {
  if (route.DestinationCidrBlock) {
    const cidr = parseCidr4(route.DestinationCidrBlock);
    return cidr ? [cidr] : [];
  }
  if (route.DestinationPrefixListId) {
    return (prefixLists[route.DestinationPrefixListId] ?? [])
      .map((e) => parseCidr4(e.Cidr))
      .filter((c) => c !== undefined);
  }
  return [];
}

/**
 * Longest-prefix match for a whole destination range: the most specific route covering all
 * of `range`, plus any more specific routes that cover only part of it.
 */
export function lookupRoute(
  table: RouteTable,
  range: Ipv4Range,
  prefixLists: Readonly<Record<string, PrefixListEntry[]>>,
): RouteMatch | undefined {
  let best: { route: Route; prefix: number } | undefined;
  for (const route of table.Routes ?? []) {
    for (const r of routeRanges(route, prefixLists)) {
      if (rangeContains(r, range) && (!best || r.prefix > best.prefix)) {
        best = { route, prefix: r.prefix };
      }
    }
  }
  if (!best) return undefined;
  const bestPrefix = best.prefix;
  const shadowedBy = (table.Routes ?? []).filter((route) =>
    routeRanges(route, prefixLists).some(
      (r) => r.prefix > bestPrefix && rangesOverlap(r, range) && !rangeContains(r, range),
    ),
  );
  return {
    table,
    route: best.route,
    destination: best.route.DestinationCidrBlock ?? best.route.DestinationPrefixListId ?? '?',
    prefix: bestPrefix,
    target: routeTarget(best.route),
    blackhole: best.route.State === 'blackhole',
    shadowedBy,
  };
}
