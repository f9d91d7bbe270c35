import type { NetworkAcl, NetworkAclEntry } from '@aws-sdk/client-ec2';
import { type Box, box, intersectAll, subtractAll, totalArea } from '../util/boxes.js';
import { type Ipv4Range, parseCidr4 } from '../util/ip.js';
import { ALL_PORTS, type Direction, protocolCoversTcp, type Verdict } from './security-groups.js';

/** The ephemeral ports Lambda (and Linux clients) use; return traffic arrives on them. */
export const EPHEMERAL_PORTS: readonly [number, number] = [1024, 65535];

export interface AclEvaluation {
  verdict: Verdict;
  /** The first rule (lowest number) that denies part of the flow; `*` for the implicit deny. */
  deniedBy?: number | '*';
}

/** The ACL associated with the subnet, else the VPC's default ACL. */
export function aclForSubnet(
  acls: readonly NetworkAcl[],
  subnetId: string,
  vpcId: string | undefined,
): NetworkAcl | undefined {
  return (
    acls.find((acl) => acl.Associations?.some((a) => a.SubnetId === subnetId)) ??
    acls.find((acl) => acl.IsDefault && (vpcId === undefined || acl.VpcId === vpcId))
  );
}

function entryPorts(entry: NetworkAclEntry): readonly [number, number] {
  if (entry.Protocol === '-1') return ALL_PORTS;
  return [entry.PortRange?.From ?? 0, entry.PortRange?.To ?? 65535];
}

/**
 * Evaluates a stateless network ACL for TCP packets in one direction. `ingress` means packets
 * entering the subnet from `peers` to local `ports`; `egress` packets leaving to `peers` on
 * `ports`. Rules apply lowest number first and the first match wins, per address and port.
 */
export function evaluateNetworkAcl(
  acl: NetworkAcl,
  direction: Direction,
  ports: readonly [number, number],
  peers: readonly Ipv4Range[],
): AclEvaluation {
  let remaining: Box[] = peers.map((r) => box(r, ports));
  const requiredArea = totalArea(remaining);
  let deniedArea = 0;
  let deniedBy: number | '*' | undefined;
  const entries = (acl.Entries ?? [])
    .filter((e) => (direction === 'egress') === Boolean(e.Egress) && e.CidrBlock)
    .sort((a, b) => (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0));
  for (const entry of entries) {
    if (remaining.length === 0) break;
    if (!protocolCoversTcp(entry.Protocol)) continue;
    const cidr = parseCidr4(entry.CidrBlock);
    if (!cidr) continue;
    const ruleBox = box(cidr, entryPorts(entry));
    const hit = intersectAll(remaining, ruleBox);
    if (hit.length === 0) continue;
    if (entry.RuleAction === 'deny') {
      deniedArea += totalArea(hit);
      // 32767 is the `*` rule the API lists explicitly.
      deniedBy ??= entry.RuleNumber === 32767 ? '*' : (entry.RuleNumber ?? '*');
    }
    remaining = subtractAll(remaining, ruleBox);
  }
  if (remaining.length > 0) {
    deniedArea += totalArea(remaining);
    deniedBy ??= '*';
  }
  const verdict: Verdict =
    deniedArea === 0 ? 'allow' : deniedArea === requiredArea ? 'deny' : 'partial';
  return deniedBy === undefined ? { verdict } : { verdict, deniedBy };
}
