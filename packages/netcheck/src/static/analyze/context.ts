import type { PrefixListEntry, RouteTable, SecurityGroup, Subnet, Vpc } from '@aws-sdk/client-ec2';
import { InvalidSnapshotError } from '../../errors.js';
import { formatRange, IPV4_MAX, type Ipv4Range, PUBLIC_IPV4_RANGES } from '../../util/ip.js';
import { FindingCollector } from '../findings/collector.js';
import { routeTableForSubnet } from '../routes.js';
import type { RotationNetworkSnapshot } from '../snapshot.js';

/** What every analysis step reads, and where it raises findings. */
export interface AnalysisContext {
  snap: RotationNetworkSnapshot;
  prefixLists: Readonly<Record<string, PrefixListEntry[]>>;
  findings: FindingCollector;
  /** The subnet with this id; a missing one makes the snapshot unusable. */
  subnet(id: string, why: string): Subnet;
  groups(ids: readonly string[], why: string): SecurityGroup[];
}

/** One side of a flow inside the VPC. */
export interface FlowNode {
  /** Human description used in messages. */
  label: string;
  subnet: Subnet;
  ranges: Ipv4Range[];
  groups: SecurityGroup[];
}

/** The rotation function's side: its VPC, one flow node per subnet, its groups. */
export interface LambdaSide {
  functionName: string;
  vpcId: string;
  vpc: Vpc | undefined;
  nodes: FlowNode[];
  groups: SecurityGroup[];
}

/** Identity matters: `describeRanges` calls this list `the internet`. */
export const PUBLIC_RANGES: readonly Ipv4Range[] = PUBLIC_IPV4_RANGES;
export const WHOLE_V4: Ipv4Range = { start: 0, end: IPV4_MAX };

export function analysisContext(snapshot: RotationNetworkSnapshot): AnalysisContext {
  const subnetsById = new Map(snapshot.subnets.map((s) => [s.SubnetId, s]));
  const groupsById = new Map(snapshot.securityGroups.map((g) => [g.GroupId, g]));
  return {
    snap: snapshot,
    prefixLists: snapshot.prefixLists,
    findings: new FindingCollector(),
    subnet(id, why) {
      const subnet = subnetsById.get(id);
      if (!subnet) throw InvalidSnapshotError.of('subnets', `subnet ${id} (${why}) is missing`);
      return subnet;
    },
    groups(ids, why) {
      return ids.map((id) => {
        const group = groupsById.get(id);
        if (!group) {
          throw InvalidSnapshotError.of(
            'securityGroups',
            `security group ${id} (${why}) is missing`,
          );
        }
        return group;
      });
    },
  };
}

/** The subnet's own route table, else its VPC's main table. */
export function routeTableOf(ctx: AnalysisContext, subnet: Subnet): RouteTable | undefined {
  return routeTableForSubnet(ctx.snap.routeTables, subnet.SubnetId ?? '', subnet.VpcId);
}

export function describeRanges(ranges: readonly Ipv4Range[]): string {
  if (ranges === PUBLIC_RANGES) return 'the internet';
  return ranges.map(formatRange).join(', ');
}

export function portsText(ports: readonly [number, number]): string {
  return ports[0] === ports[1] ? String(ports[0]) : `${ports[0]}-${ports[1]}`;
}

export function groupIds(groups: readonly SecurityGroup[]): string[] {
  return groups.map((g) => g.GroupId ?? '?');
}
