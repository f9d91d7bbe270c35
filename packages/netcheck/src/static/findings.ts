/** The reachability conditions from the rotation network checklist (R1-R9). */
export type ConditionId = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8' | 'R9';

export type FindingSeverity = 'error' | 'warning' | 'info';

export type ResourceType =
  | 'lambda-function'
  | 'secret'
  | 'vpc'
  | 'subnet'
  | 'security-group'
  | 'network-acl'
  | 'route-table'
  | 'vpc-endpoint'
  | 'nat-gateway'
  | 'internet-gateway'
  | 'dhcp-options'
  | 'db-cluster'
  | 'db-instance'
  | 'db-subnet-group';

/** The rule that is missing or wrong; which fields are set depends on the resource. */
export interface FindingRule {
  direction?: 'ingress' | 'egress';
  protocol?: 'tcp';
  /** A port or range, `443` or `1024-65535`. */
  ports?: string;
  /** The other side: a security group id, CIDR(s) or `internet`. */
  peer?: string;
  /** The network ACL rule that decides: its number, or `*` for the final implicit deny. */
  ruleNumber?: number | '*';
  /** The route table destination that matched (`0.0.0.0/0`, `pl-...`). */
  destination?: string;
  /** A VPC attribute or endpoint setting, such as `enableDnsSupport` or `PrivateDnsEnabled`. */
  attribute?: string;
}

export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  condition: ConditionId;
  resource: { type: ResourceType; id: string };
  rule?: FindingRule;
  /** What is wrong, naming the resources on both sides. */
  message: string;
  /** What to change. */
  fix: string;
}

/**
 * Every finding code, with the condition it belongs to and a one-line meaning. Codes follow
 * the style of Reachability Analyzer's explanation codes where one exists.
 */
export const FINDING_CODES = {
  LAMBDA_NOT_IN_VPC: {
    condition: 'R1',
    meaning: 'The rotation function has no VPC configuration, so it cannot reach a private DB.',
  },
  DIFFERENT_VPC: {
    condition: 'R1',
    meaning: "The rotation function runs in another VPC than the database's subnet group.",
  },
  FUNCTION_NOT_ACTIVE: {
    condition: 'R1',
    meaning: 'The function is not Active or its last update failed.',
  },
  DB_NOT_AVAILABLE: {
    condition: 'R7',
    meaning: 'A DB cluster or instance is not in the available state.',
  },
  SECRETS_MANAGER_ENDPOINT_OVERRIDE: {
    condition: 'R2',
    meaning: 'An environment variable points the SDK at a host the analysis cannot model.',
  },
  VPC_ENDPOINT_MISSING: {
    condition: 'R3',
    meaning: 'No interface endpoint for the service and no route out of the VPC.',
  },
  VPC_ENDPOINT_NOT_AVAILABLE: {
    condition: 'R3',
    meaning: 'The interface endpoint exists but is not in the available state.',
  },
  PRIVATE_DNS_DISABLED: {
    condition: 'R3',
    meaning: 'The interface endpoint has private DNS off, so the regional name stays public.',
  },
  VPC_DNS_ATTRIBUTE_DISABLED: {
    condition: 'R3',
    meaning: 'enableDnsSupport or enableDnsHostnames is off on the VPC.',
  },
  DHCP_CUSTOM_DNS: {
    condition: 'R3',
    meaning:
      'The VPC DHCP options use custom DNS servers, which must forward to the Amazon resolver.',
  },
  VPC_ENDPOINT_AZ_NOT_COVERED: {
    condition: 'R3',
    meaning: 'A subnet of the function is in an AZ where the endpoint has no network interface.',
  },
  ENI_SG_RULES_MISMATCH: {
    condition: 'R4',
    meaning: 'A security group on one side has no rule for the traffic (egress or ingress).',
  },
  SUBNET_ACL_RESTRICTION: {
    condition: 'R4',
    meaning: 'A network ACL denies the request or the return traffic.',
  },
  NO_ROUTE_TO_DESTINATION: {
    condition: 'R5',
    meaning: 'A route table has no route that gets the traffic to its destination.',
  },
  ROUTE_BLACKHOLE: {
    condition: 'R5',
    meaning: 'The matching route is a blackhole (its target was deleted).',
  },
  IGW_ROUTE_WITHOUT_PUBLIC_IP: {
    condition: 'R5',
    meaning:
      "The function's subnet routes to an internet gateway, but Lambda ENIs have no public IP.",
  },
  NAT_GATEWAY_NOT_AVAILABLE: {
    condition: 'R5',
    meaning: 'The NAT gateway in the route is not available, or is a private NAT gateway.',
  },
  IGW_NOT_ATTACHED: {
    condition: 'R5',
    meaning: 'The internet gateway behind the NAT gateway is not attached to the VPC.',
  },
  ROUTE_TARGET_UNVERIFIED: {
    condition: 'R5',
    meaning:
      'The route goes through a target the analysis does not follow (TGW, peering, appliance).',
  },
  VPC_ENDPOINT_POLICY_RESTRICTION: {
    condition: 'R6',
    meaning: 'The endpoint policy does not allow the calls rotation makes.',
  },
  SECRET_POLICY_VPC_CONDITION: {
    condition: 'R6',
    meaning:
      "The secret's resource policy denies requests that do not come through a given VPC or endpoint.",
  },
  LAMBDA_PERMISSION_MISSING: {
    condition: 'R9',
    meaning: 'The function policy does not let secretsmanager.amazonaws.com invoke the function.',
  },
  ROTATION_FUNCTION_MISMATCH: {
    condition: 'R9',
    meaning: "The secret's RotationLambdaARN names another function.",
  },
  FUNCTION_TIMEOUT_TOO_SHORT: {
    condition: 'R9',
    meaning: 'The function timeout is shorter than a rotation step plus a probe budget needs.',
  },
} as const satisfies Record<string, { condition: ConditionId; meaning: string }>;

export type FindingCode = keyof typeof FINDING_CODES;

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Collects findings, merging those that name the same resource and rule. */
export class FindingCollector {
  readonly #byKey = new Map<string, Finding>();

  add(finding: Finding): void {
    const r = finding.rule;
    const key = [
      finding.code,
      finding.resource.id,
      r?.direction,
      r?.ports,
      r?.ruleNumber,
      r?.destination,
      r?.attribute,
    ].join('|');
    const existing = this.#byKey.get(key);
    if (!existing) {
      this.#byKey.set(key, { ...finding, ...(r ? { rule: { ...r } } : {}) });
      return;
    }
    // Same rule reached from another subnet: keep one finding, list every peer.
    if (r?.peer && existing.rule) {
      const peers = new Set((existing.rule.peer ?? '').split(', ').filter(Boolean));
      if (!peers.has(r.peer)) {
        const before = existing.rule.peer ?? '';
        peers.add(r.peer);
        const after = [...peers].join(', ');
        existing.rule.peer = after;
        // Messages quote the peer list; keep them in step with the merged rule.
        if (before) {
          existing.message = existing.message.split(before).join(after);
          existing.fix = existing.fix.split(before).join(after);
        }
      }
    }
    if (SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[existing.severity]) {
      existing.severity = finding.severity;
      existing.message = finding.message;
      existing.fix = finding.fix;
    }
  }

  list(): Finding[] {
    return [...this.#byKey.values()].sort(
      (a, b) =>
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        a.condition.localeCompare(b.condition) ||
        a.code.localeCompare(b.code) ||
        a.resource.id.localeCompare(b.resource.id),
    );
  }
}
