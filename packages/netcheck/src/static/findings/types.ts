import type { FindingCode } from './catalogue.js';

/** The reachability conditions from the rotation network checklist (R1-R9). */
export type ConditionId = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8' | 'R9';

export type FindingSeverity = 'error' | 'warning' | 'info';

/** The AWS API whose path a finding is about. */
export type ServiceName = 'secretsmanager' | 'rds';

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
  /** The API client the finding is about, for `ENDPOINT_OVERRIDE`. */
  service?: ServiceName;
  resource: { type: ResourceType; id: string };
  rule?: FindingRule;
  /** What is wrong, naming the resources on both sides. */
  message: string;
  /** What to change. */
  fix: string;
}
