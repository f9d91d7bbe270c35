import type { IpPermission, PrefixListEntry, SecurityGroup } from '@aws-sdk/client-ec2';
import { type Box, box, intersectAll, subtractAll, totalArea } from '../util/boxes.js';
import { type Ipv4Range, parseCidr4 } from '../util/ip.js';

export type Direction = 'ingress' | 'egress';
export type Verdict = 'allow' | 'partial' | 'deny';

/** The other end of a flow as a security group sees it. */
export interface FlowPeer {
  /** Addresses the peer may use (a subnet CIDR, endpoint IPs, or the public internet). */
  ranges: readonly Ipv4Range[];
  /** Security groups on the peer's ENI, matched by group-reference rules. */
  groupIds: readonly string[];
}

export interface SecurityGroupEvaluation {
  verdict: Verdict;
  /** Group id and rule index of every rule that contributed. */
  matched: Array<{ groupId: string; index: number }>;
}

export const ALL_PORTS: readonly [number, number] = [0, 65535];

/** True when a rule's protocol covers TCP (`-1` = all, `tcp`, `6`). */
export function protocolCoversTcp(protocol: string | undefined): boolean {
  return protocol === '-1' || protocol === 'tcp' || protocol === '6' || protocol === 'all';
}

function permissionPorts(permission: IpPermission): readonly [number, number] {
  if (permission.IpProtocol === '-1' || permission.IpProtocol === 'all') return ALL_PORTS;
  const from = permission.FromPort ?? 0;
  const to = permission.ToPort ?? 65535;
  // The API reports -1 for "all ports" on some protocols.
  return from < 0 || to < 0 ? ALL_PORTS : [from, to];
}

function permissionRanges(
  permission: IpPermission,
  peer: FlowPeer,
  prefixLists: Readonly<Record<string, PrefixListEntry[]>>,
): Ipv4Range[] {
  const out: Ipv4Range[] = [];
  for (const range of permission.IpRanges ?? []) {
    const cidr = parseCidr4(range.CidrIp);
    if (cidr) out.push(cidr);
  }
  for (const ref of permission.PrefixListIds ?? []) {
    for (const entry of (ref.PrefixListId && prefixLists[ref.PrefixListId]) || []) {
      const cidr = parseCidr4(entry.Cidr);
      if (cidr) out.push(cidr);
    }
  }
  // A group reference matches the peer's private addresses when the peer carries the group.
  for (const pair of permission.UserIdGroupPairs ?? []) {
    if (pair.GroupId && peer.groupIds.includes(pair.GroupId)) out.push(...peer.ranges);
  }
  return out;
}

/**
 * Whether the security groups on one ENI let a TCP flow out (`egress`) to, or in (`ingress`)
 * from, `peer` on `ports`. Groups are allow-only and combine: the flow is allowed when the
 * union of matching rules covers every peer address and port.
 */
export function evaluateSecurityGroups(
  groups: readonly SecurityGroup[],
  direction: Direction,
  ports: readonly [number, number],
  peer: FlowPeer,
  prefixLists: Readonly<Record<string, PrefixListEntry[]>>,
): SecurityGroupEvaluation {
  const required: Box[] = peer.ranges.map((r) => box(r, ports));
  const requiredArea = totalArea(required);
  let remaining = required;
  const matched: SecurityGroupEvaluation['matched'] = [];
  for (const group of groups) {
    const permissions =
      (direction === 'egress' ? group.IpPermissionsEgress : group.IpPermissions) ?? [];
    permissions.forEach((permission, index) => {
      if (!protocolCoversTcp(permission.IpProtocol)) return;
      const rulePorts = permissionPorts(permission);
      for (const range of permissionRanges(permission, peer, prefixLists)) {
        const ruleBox = box(range, rulePorts);
        if (intersectAll(remaining, ruleBox).length > 0) {
          matched.push({ groupId: group.GroupId ?? '?', index });
          remaining = subtractAll(remaining, ruleBox);
        }
      }
    });
  }
  const left = totalArea(remaining);
  const verdict: Verdict = left === 0 ? 'allow' : left === requiredArea ? 'deny' : 'partial';
  return { verdict, matched };
}
