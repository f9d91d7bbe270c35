import { createHash } from 'node:crypto';
import type { RotationNetworkSnapshot } from '@rotakit/netcheck';
import { TemplateSnapshotError } from './errors.js';
import type { CfnTemplate } from './load-template.js';

type SecurityGroup = RotationNetworkSnapshot['securityGroups'][number];
type IpPermission = NonNullable<SecurityGroup['IpPermissions']>[number];
type VpcEndpoint = RotationNetworkSnapshot['vpcEndpoints'][number];
type FunctionConfiguration = NonNullable<RotationNetworkSnapshot['function']>;
type Props = Record<string, unknown>;

/** What the stack is deployed into, and with which parameter values. */
export interface ExistingEnvironment {
  /**
   * What `collectSnapshot` would return before the stack exists: the VPC, its subnets,
   * security groups, network ACLs, route tables, the DB cluster and the secret. Not modified.
   */
  snapshot: RotationNetworkSnapshot;
  accountId: string;
  /** @default 'rotakit-rotation' */
  stackName?: string;
  /** Parameter values; parameters left out take their `Default`. List parameters as arrays. */
  parameters: Record<string, string | number | readonly string[]>;
}

type Value = string | string[];
interface Physical {
  ref: Value;
  attributes: Record<string, string>;
}

// Reached through a Ref to AWS::NoValue: the property is left out, as CloudFormation does.
const NO_VALUE = Symbol('AWS::NoValue');

function hex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

/**
 * Resolves a parsed SAM/CloudFormation template against an existing environment into the
 * `RotationNetworkSnapshot` that `collectSnapshot` would return once the stack is deployed:
 * intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Join`, `Fn::Select`) resolve
 * against the parameters and made-up physical ids, conditions are evaluated, and the
 * network resources the analyzer reads are added in the AWS API response shapes. Resource
 * types it does not model throw `TemplateSnapshotError`, so a new kind of resource cannot
 * slip past the analysis unnoticed.
 * @example
 * const snapshot = snapshotFromTemplate(loadTemplate('template.yaml'), {
 *   snapshot: before, accountId: '111122223333', parameters: { VpcId: 'vpc-0a1b...' },
 * });
 * const { findings } = analyzeRotationNetwork(snapshot);
 */
export function snapshotFromTemplate(
  template: CfnTemplate,
  environment: ExistingEnvironment,
): RotationNetworkSnapshot {
  const snap = structuredClone(environment.snapshot);
  const region = snap.region;
  const account = environment.accountId;
  const stack = environment.stackName ?? 'rotakit-rotation';
  if ((template as { Globals?: unknown }).Globals !== undefined) {
    throw new TemplateSnapshotError('(template)', 'SAM Globals are not modelled');
  }

  const parameters = new Map<string, Value>();
  for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
    const given = environment.parameters[name] ?? spec.Default;
    if (given === undefined) {
      throw new TemplateSnapshotError(name, 'parameter has no value and no Default');
    }
    const isList = spec.Type.startsWith('List<') || spec.Type === 'CommaDelimitedList';
    const value: Value = isList
      ? Array.isArray(given)
        ? [...given].map(String)
        : String(given).split(',')
      : String(given);
    const allowed = spec.AllowedValues?.map(String);
    if (allowed && typeof value === 'string' && !allowed.includes(value)) {
      throw new TemplateSnapshotError(name, `"${value}" is not one of ${allowed.join(', ')}`);
    }
    parameters.set(name, value);
  }
  for (const name of Object.keys(environment.parameters)) {
    if (!parameters.has(name)) {
      throw new TemplateSnapshotError(name, 'the template has no such parameter');
    }
  }
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::StackName': stack,
    'AWS::StackId': `arn:aws:cloudformation:${region}:${account}:stack/${stack}/${hex(stack, 8)}`,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };

  const conditionCache = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    const cached = conditionCache.get(name);
    if (cached !== undefined) return cached;
    const definition = template.Conditions?.[name];
    if (definition === undefined) throw new TemplateSnapshotError(name, 'no such condition');
    const result = Boolean(resolve(definition, `condition ${name}`));
    conditionCache.set(name, result);
    return result;
  };

  const resources = Object.entries(template.Resources).filter(
    ([, r]) => r.Condition === undefined || condition(r.Condition),
  );
  const physical = new Map<string, Physical>();
  for (const [logicalId, r] of resources) {
    physical.set(logicalId, physicalIds(logicalId, r.Type, r.Properties ?? {}));
  }

  function physicalIds(logicalId: string, type: string, props: Props): Physical {
    const seed = `${stack}/${logicalId}`;
    const generatedName = `${stack}-${logicalId}-${hex(seed, 12).toUpperCase()}`;
    switch (type) {
      case 'AWS::EC2::SecurityGroup': {
        const id = `sg-0${hex(seed, 16)}`;
        return { ref: id, attributes: { GroupId: id } };
      }
      case 'AWS::EC2::SecurityGroupIngress':
      case 'AWS::EC2::SecurityGroupEgress':
        return { ref: `sgr-0${hex(seed, 16)}`, attributes: {} };
      case 'AWS::EC2::VPCEndpoint': {
        const id = `vpce-0${hex(seed, 16)}`;
        return { ref: id, attributes: { Id: id } };
      }
      case 'AWS::Serverless::Function':
      case 'AWS::Lambda::Function': {
        const name = typeof props.FunctionName === 'string' ? props.FunctionName : generatedName;
        return {
          ref: name,
          attributes: { Arn: `arn:aws:lambda:${region}:${account}:function:${name}` },
        };
      }
      case 'AWS::Lambda::Permission':
        return { ref: generatedName, attributes: {} };
      case 'AWS::SecretsManager::RotationSchedule':
        // Its Ref is the secret's ARN, known only once SecretId resolves.
        return { ref: '', attributes: {} };
      default:
        throw new TemplateSnapshotError(
          logicalId,
          `resource type ${type} is not modelled; extend snapshotFromTemplate or leave it out`,
        );
    }
  }

  function reference(name: string, where: string): Value | typeof NO_VALUE {
    if (name === 'AWS::NoValue') return NO_VALUE;
    const value = parameters.get(name) ?? pseudo[name] ?? physical.get(name)?.ref;
    if (value === undefined) {
      const why = template.Resources[name]
        ? 'a resource whose condition is false'
        : 'nothing in the template';
      throw new TemplateSnapshotError(where, `Ref ${name} names ${why}`);
    }
    return value;
  }

  function attribute(logicalId: string, name: string, where: string): string {
    const value = physical.get(logicalId)?.attributes[name];
    if (value === undefined) {
      throw new TemplateSnapshotError(where, `Fn::GetAtt ${logicalId}.${name} is not modelled`);
    }
    return value;
  }

  function substitute(text: string, variables: Props, where: string): string {
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return String(resolve(variables[name], where));
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) {
        return attribute(name.slice(0, dot), name.slice(dot + 1), where);
      }
      const value = reference(name, where);
      if (typeof value !== 'string') {
        throw new TemplateSnapshotError(where, `Fn::Sub \${${name}} is not a string`);
      }
      return value;
    });
  }

  function resolve(node: unknown, where: string): unknown {
    if (Array.isArray(node)) {
      return node.map((n) => resolve(n, where)).filter((n) => n !== NO_VALUE);
    }
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      const args = Array.isArray(arg) ? arg : [arg];
      switch (key) {
        case 'Ref':
          return reference(String(arg), where);
        case 'Fn::GetAtt': {
          const [logicalId, name] = Array.isArray(arg) ? arg : String(arg).split('.');
          return attribute(String(logicalId), String(name), where);
        }
        case 'Fn::Sub':
          return typeof arg === 'string'
            ? substitute(arg, {}, where)
            : substitute(String(args[0]), (args[1] ?? {}) as Props, where);
        case 'Fn::If':
          return resolve(condition(String(args[0])) ? args[1] : args[2], where);
        case 'Fn::Equals':
          return String(resolve(args[0], where)) === String(resolve(args[1], where));
        case 'Fn::Not':
          return !resolve(args[0], where);
        case 'Fn::And':
          return args.every((a) => resolve(a, where));
        case 'Fn::Or':
          return args.some((a) => resolve(a, where));
        case 'Fn::Join':
          return (resolve(args[1], where) as unknown[]).join(String(args[0]));
        case 'Fn::Select':
          return (resolve(args[1], where) as unknown[])[Number(resolve(args[0], where))];
        default:
          throw new TemplateSnapshotError(where, `${key} is not supported`);
      }
    }
    if (entries.length === 1 && key === 'Condition' && typeof arg === 'string') {
      return condition(arg);
    }
    const out: Props = {};
    for (const [k, v] of entries) {
      const resolved = resolve(v, where);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  const text = (props: Props, key: string, where: string): string => {
    const value = props[key];
    if (typeof value !== 'string' || value === '') {
      throw new TemplateSnapshotError(where, `${key} must be a non-empty string`);
    }
    return value;
  };
  const list = (props: Props, key: string, where: string): string[] => {
    const value = props[key] ?? [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new TemplateSnapshotError(where, `${key} must resolve to a list of strings`);
    }
    return value as string[];
  };
  const groupById = (id: string, where: string): SecurityGroup => {
    const group = snap.securityGroups.find((g) => g.GroupId === id);
    if (!group) throw new TemplateSnapshotError(where, `security group ${id} is not in the VPC`);
    return group;
  };
  const vpcOfSubnets = (ids: readonly string[], where: string): string => {
    const vpcs = new Set(
      ids.map((id) => {
        const subnet = snap.subnets.find((s) => s.SubnetId === id);
        if (!subnet) throw new TemplateSnapshotError(where, `subnet ${id} is not in the snapshot`);
        return subnet.VpcId;
      }),
    );
    const [vpcId] = vpcs;
    if (vpcs.size !== 1 || !vpcId) {
      throw new TemplateSnapshotError(where, 'subnets must all be in one VPC');
    }
    return vpcId;
  };

  function permission(rule: Props, direction: 'ingress' | 'egress', where: string): IpPermission {
    const raw = String(rule.IpProtocol ?? '');
    const protocol = PROTOCOL_NAMES[raw] ?? raw;
    if (!protocol) throw new TemplateSnapshotError(where, 'IpProtocol is missing');
    const description =
      typeof rule.Description === 'string' ? { Description: rule.Description } : {};
    const peerGroup =
      direction === 'ingress' ? rule.SourceSecurityGroupId : rule.DestinationSecurityGroupId;
    const prefixList =
      direction === 'ingress' ? rule.SourcePrefixListId : rule.DestinationPrefixListId;
    const result: IpPermission = { IpProtocol: protocol };
    // The API leaves the ports out of all-protocol rules.
    if (protocol !== '-1') {
      result.FromPort = Number(rule.FromPort);
      result.ToPort = Number(rule.ToPort);
    }
    if (typeof rule.CidrIp === 'string') {
      result.IpRanges = [{ CidrIp: rule.CidrIp, ...description }];
    }
    if (typeof rule.CidrIpv6 === 'string') {
      result.Ipv6Ranges = [{ CidrIpv6: rule.CidrIpv6, ...description }];
    }
    if (typeof peerGroup === 'string') {
      const owner = rule.SourceSecurityGroupOwnerId;
      result.UserIdGroupPairs = [
        { GroupId: peerGroup, UserId: typeof owner === 'string' ? owner : account, ...description },
      ];
    }
    if (typeof prefixList === 'string') {
      result.PrefixListIds = [{ PrefixListId: prefixList, ...description }];
    }
    if (
      !result.IpRanges &&
      !result.Ipv6Ranges &&
      !result.UserIdGroupPairs &&
      !result.PrefixListIds
    ) {
      throw new TemplateSnapshotError(where, `a ${direction} rule names no peer`);
    }
    return result;
  }

  // DescribeSecurityGroups returns one entry per protocol and port range, its peers merged.
  function addRule(rules: IpPermission[], rule: IpPermission): void {
    const same = rules.find(
      (p) =>
        p.IpProtocol === rule.IpProtocol &&
        p.FromPort === rule.FromPort &&
        p.ToPort === rule.ToPort,
    );
    if (!same) {
      rules.push(rule);
      return;
    }
    if (rule.IpRanges) same.IpRanges = [...(same.IpRanges ?? []), ...rule.IpRanges];
    if (rule.Ipv6Ranges) same.Ipv6Ranges = [...(same.Ipv6Ranges ?? []), ...rule.Ipv6Ranges];
    if (rule.UserIdGroupPairs) {
      same.UserIdGroupPairs = [...(same.UserIdGroupPairs ?? []), ...rule.UserIdGroupPairs];
    }
    if (rule.PrefixListIds) {
      same.PrefixListIds = [...(same.PrefixListIds ?? []), ...rule.PrefixListIds];
    }
  }

  const ORDER = [
    'AWS::EC2::SecurityGroup',
    'AWS::EC2::SecurityGroupIngress',
    'AWS::EC2::SecurityGroupEgress',
    'AWS::EC2::VPCEndpoint',
    'AWS::Serverless::Function',
    'AWS::Lambda::Function',
    'AWS::Lambda::Permission',
    'AWS::SecretsManager::RotationSchedule',
  ];
  const ordered = [...resources].sort(
    ([, a], [, b]) => ORDER.indexOf(a.Type) - ORDER.indexOf(b.Type),
  );
  const statements: Props[] = [];
  let functionLogicalId: string | undefined;

  for (const [logicalId, r] of ordered) {
    const props = resolve(r.Properties ?? {}, logicalId) as Props;
    const self = physical.get(logicalId)!;
    switch (r.Type) {
      case 'AWS::EC2::SecurityGroup': {
        const vpcId = text(props, 'VpcId', logicalId);
        if (!snap.vpcs.some((v) => v.VpcId === vpcId)) {
          throw new TemplateSnapshotError(logicalId, `VPC ${vpcId} is not in the snapshot`);
        }
        const name =
          typeof props.GroupName === 'string'
            ? props.GroupName
            : `${stack}-${logicalId}-${hex(`${stack}/${logicalId}`, 12).toUpperCase()}`;
        const ingress: IpPermission[] = [];
        for (const rule of (props.SecurityGroupIngress ?? []) as Props[]) {
          addRule(ingress, permission(rule, 'ingress', logicalId));
        }
        const egress: IpPermission[] = [];
        // Without SecurityGroupEgress, EC2 keeps the allow-all egress rule it creates.
        const egressRules = (props.SecurityGroupEgress as Props[] | undefined) ?? [
          { IpProtocol: '-1', CidrIp: '0.0.0.0/0' },
        ];
        for (const rule of egressRules) addRule(egress, permission(rule, 'egress', logicalId));
        snap.securityGroups.push({
          GroupId: String(self.ref),
          GroupName: name,
          Description: text(props, 'GroupDescription', logicalId),
          VpcId: vpcId,
          OwnerId: account,
          IpPermissions: ingress,
          IpPermissionsEgress: egress,
        });
        break;
      }
      case 'AWS::EC2::SecurityGroupIngress':
      case 'AWS::EC2::SecurityGroupEgress': {
        const direction = r.Type === 'AWS::EC2::SecurityGroupIngress' ? 'ingress' : 'egress';
        const group = groupById(text(props, 'GroupId', logicalId), logicalId);
        group.IpPermissions ??= [];
        group.IpPermissionsEgress ??= [];
        addRule(
          direction === 'ingress' ? group.IpPermissions : group.IpPermissionsEgress,
          permission(props, direction, logicalId),
        );
        break;
      }
      case 'AWS::EC2::VPCEndpoint': {
        const type = props.VpcEndpointType ?? 'Gateway';
        if (type !== 'Interface') {
          throw new TemplateSnapshotError(logicalId, `${String(type)} endpoints are not modelled`);
        }
        const vpcId = text(props, 'VpcId', logicalId);
        const serviceName = text(props, 'ServiceName', logicalId);
        const subnetIds = list(props, 'SubnetIds', logicalId);
        if (vpcOfSubnets(subnetIds, logicalId) !== vpcId) {
          throw new TemplateSnapshotError(logicalId, `SubnetIds are not in ${vpcId}`);
        }
        const groupIds = list(props, 'SecurityGroupIds', logicalId);
        // Without SecurityGroupIds the endpoint gets the VPC's default group.
        const groups =
          groupIds.length > 0
            ? groupIds.map((id) => groupById(id, logicalId))
            : snap.securityGroups.filter((g) => g.VpcId === vpcId && g.GroupName === 'default');
        const privateDns = props.PrivateDnsEnabled === true || props.PrivateDnsEnabled === 'true';
        const id = String(self.ref);
        const service = serviceName.split('.').slice(3).join('.');
        const endpoint: VpcEndpoint = {
          VpcEndpointId: id,
          VpcEndpointType: 'Interface',
          VpcId: vpcId,
          ServiceName: serviceName,
          // The API reports `available`; the SDK enum spells it `Available`.
          State: 'available' as never,
          PolicyDocument:
            props.PolicyDocument === undefined
              ? JSON.stringify({
                  Statement: [{ Action: '*', Effect: 'Allow', Principal: '*', Resource: '*' }],
                })
              : JSON.stringify(props.PolicyDocument),
          RouteTableIds: [],
          SubnetIds: subnetIds,
          Groups: groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
          IpAddressType: 'ipv4',
          DnsOptions: { DnsRecordIpType: 'ipv4' },
          PrivateDnsEnabled: privateDns,
          RequesterManaged: false,
          // The endpoint's network interfaces exist only once it is deployed; without them
          // the analyzer takes the whole endpoint subnets, the stricter reading.
          NetworkInterfaceIds: [],
          DnsEntries: [
            { DnsName: `${id}-${hex(id, 8)}.${service}.${region}.vpce.amazonaws.com` },
            ...(privateDns ? [{ DnsName: `${service}.${region}.amazonaws.com` }] : []),
          ],
          OwnerId: account,
        };
        snap.vpcEndpoints.push(endpoint);
        break;
      }
      case 'AWS::Serverless::Function':
      case 'AWS::Lambda::Function': {
        if (functionLogicalId) {
          throw new TemplateSnapshotError(
            logicalId,
            `a snapshot holds one function and ${functionLogicalId} is already it`,
          );
        }
        functionLogicalId = logicalId;
        const name = String(self.ref);
        const vpcConfig = (props.VpcConfig ?? {}) as Props;
        const subnetIds = list(vpcConfig, 'SubnetIds', logicalId);
        const variables = ((props.Environment as Props | undefined)?.Variables ?? {}) as Record<
          string,
          unknown
        >;
        const fn: FunctionConfiguration = {
          FunctionName: name,
          FunctionArn: attribute(logicalId, 'Arn', logicalId),
          Runtime: text(props, 'Runtime', logicalId) as FunctionConfiguration['Runtime'],
          // SAM creates <LogicalId>Role when no Role is given.
          Role:
            typeof props.Role === 'string'
              ? props.Role
              : `arn:aws:iam::${account}:role/${stack}-${logicalId}Role-${hex(name, 12).toUpperCase()}`,
          Handler: text(props, 'Handler', logicalId),
          ...(typeof props.Description === 'string' ? { Description: props.Description } : {}),
          // CloudFormation's defaults when the template leaves them out.
          Timeout: Number(props.Timeout ?? 3),
          MemorySize: Number(props.MemorySize ?? 128),
          Architectures: list(props, 'Architectures', logicalId).length
            ? (list(props, 'Architectures', logicalId) as FunctionConfiguration['Architectures'])
            : ['x86_64'],
          State: 'Active',
          LastUpdateStatus: 'Successful',
          PackageType: 'Zip',
          ...(subnetIds.length > 0
            ? {
                VpcConfig: {
                  SubnetIds: subnetIds,
                  SecurityGroupIds: list(vpcConfig, 'SecurityGroupIds', logicalId),
                  VpcId: vpcOfSubnets(subnetIds, logicalId),
                  Ipv6AllowedForDualStack: false,
                },
              }
            : {}),
          ...(Object.keys(variables).length > 0
            ? {
                Environment: {
                  Variables: Object.fromEntries(
                    Object.entries(variables).map(([k, v]) => [k, String(v)]),
                  ),
                },
              }
            : {}),
        };
        snap.function = fn;
        // A function the stack creates has no resource policy until a Permission adds one.
        snap.functionPolicy = null;
        break;
      }
      case 'AWS::Lambda::Permission': {
        const target = text(props, 'FunctionName', logicalId);
        const fn = snap.function;
        if (!fn || (target !== fn.FunctionName && target !== fn.FunctionArn)) {
          throw new TemplateSnapshotError(logicalId, `FunctionName ${target} is not the function`);
        }
        const principal = text(props, 'Principal', logicalId);
        const conditions: Props = {};
        if (typeof props.SourceAccount === 'string') {
          conditions.StringEquals = { 'AWS:SourceAccount': props.SourceAccount };
        }
        if (typeof props.SourceArn === 'string') {
          conditions.ArnLike = { 'AWS:SourceArn': props.SourceArn };
        }
        statements.push({
          Sid: String(self.ref),
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com')
            ? { Service: principal }
            : { AWS: `arn:aws:iam::${principal}:root` },
          Action: text(props, 'Action', logicalId),
          Resource: fn.FunctionArn,
          ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
        });
        snap.functionPolicy = JSON.stringify({
          Version: '2012-10-17',
          Id: 'default',
          Statement: statements,
        });
        break;
      }
      case 'AWS::SecretsManager::RotationSchedule': {
        if (props.HostedRotationLambda !== undefined) {
          throw new TemplateSnapshotError(logicalId, 'HostedRotationLambda is not modelled');
        }
        const secretId = text(props, 'SecretId', logicalId);
        const secret = snap.secret;
        if (!secret) break;
        if (secretId !== secret.ARN && secretId !== secret.Name) {
          throw new TemplateSnapshotError(logicalId, `SecretId ${secretId} is not the secret`);
        }
        const rules = (props.RotationRules ?? {}) as Props;
        secret.RotationEnabled = true;
        secret.RotationLambdaARN = text(props, 'RotationLambdaARN', logicalId);
        secret.RotationRules = {
          ...(rules.AutomaticallyAfterDays !== undefined
            ? { AutomaticallyAfterDays: Number(rules.AutomaticallyAfterDays) }
            : {}),
          ...(typeof rules.ScheduleExpression === 'string'
            ? { ScheduleExpression: rules.ScheduleExpression }
            : {}),
          ...(typeof rules.Duration === 'string' ? { Duration: rules.Duration } : {}),
        };
        break;
      }
    }
  }
  return snap;
}
