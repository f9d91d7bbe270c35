import { describe, expect, it } from 'vitest';
import {
  analyzeRotationNetwork,
  FINDING_CODES,
  type Finding,
  InvalidSnapshotError,
  type RotationNetworkSnapshot,
} from '../src/index.js';
import { ACCOUNT, API_AVAILABLE, fixedSnapshot, IDS, REGION, VPC_ID } from './fixtures/fixed.js';
import {
  ALLOW_ALL_BOTH_WAYS,
  addNatRoute,
  asAuroraPostgres,
  customAcl,
  dbIngressFromLambda,
  endpoint,
  group,
  moveLambdaToOtherVpc,
  removeEndpoint,
  routeTable,
  setEgress,
  setIngress,
} from './fixtures/mutations.js';
import { originalBrokenSnapshot } from './fixtures/original-broken.js';

type Expected = Pick<Finding, 'code' | 'severity'> & {
  resource: string;
  condition?: Finding['condition'];
  rule?: Finding['rule'];
};

function variant(mutate: (s: RotationNetworkSnapshot) => void): RotationNetworkSnapshot {
  const s = fixedSnapshot();
  mutate(s);
  return s;
}

/** Asserts the exact set of findings: nothing missing, nothing extra. */
function expectFindings(snapshot: RotationNetworkSnapshot, expected: Expected[]): Finding[] {
  const { findings, ok } = analyzeRotationNetwork(snapshot);
  const summarize = (f: Finding) => `${f.code} ${f.severity} ${f.resource.id}`;
  expect(findings.map(summarize).sort()).toEqual(
    expected.map((e) => `${e.code} ${e.severity} ${e.resource}`).sort(),
  );
  for (const e of expected) {
    const match = findings.find(
      (f) =>
        f.code === e.code &&
        f.resource.id === e.resource &&
        (!e.rule?.ports || f.rule?.ports === e.rule.ports),
    );
    expect(match).toBeDefined();
    if (e.rule) expect(match?.rule).toMatchObject(e.rule);
    expect(match?.message.length).toBeGreaterThan(20);
    expect(match?.fix.length).toBeGreaterThan(10);
    expect(match?.condition).toBe(e.condition ?? FINDING_CODES[e.code].condition);
  }
  expect(ok).toBe(!expected.some((e) => e.severity === 'error'));
  return findings;
}

describe('analyzeRotationNetwork: the incident', () => {
  it('passes the fixed setup with no finding and routes Secrets Manager through the endpoint', () => {
    const analysis = analyzeRotationNetwork(fixedSnapshot());
    expect(analysis.findings).toEqual([]);
    expect(analysis.ok).toBe(true);
    expect(analysis.secretsManager).toEqual({
      service: 'secretsmanager',
      host: `secretsmanager.${REGION}.amazonaws.com`,
      hostSource: 'SECRETS_MANAGER_ENDPOINT',
      route: 'vpc-endpoint',
      vpcEndpointId: IDS.endpoint,
    });
    expect(analysis.databases).toEqual([
      {
        type: 'db-cluster',
        id: IDS.cluster,
        engine: 'aurora-mysql',
        port: 3306,
        vpcId: VPC_ID,
        securityGroupIds: [IDS.sgDb],
        members: [
          { id: IDS.member1, subnetIds: [IDS.subnetDbA] },
          { id: IDS.member2, subnetIds: [IDS.subnetDbB] },
        ],
      },
    ]);
  });

  it('finds what was wrong in the original setup: no endpoint and no NAT, SG rules for the DB', () => {
    const findings = expectFindings(originalBrokenSnapshot(), [
      { code: 'VPC_ENDPOINT_MISSING', severity: 'error', resource: VPC_ID, condition: 'R3' },
      {
        code: 'ENI_SG_RULES_MISMATCH',
        severity: 'error',
        resource: IDS.sgLambda,
        condition: 'R7',
        rule: { direction: 'egress', ports: '3306', peer: '10.0.11.0/24, 10.0.12.0/24' },
      },
      {
        code: 'ENI_SG_RULES_MISMATCH',
        severity: 'error',
        resource: IDS.sgDb,
        condition: 'R7',
        rule: { direction: 'ingress', ports: '3306', peer: '10.0.1.0/24, 10.0.2.0/24' },
      },
    ]);
    const missing = findings.find((f) => f.code === 'VPC_ENDPOINT_MISSING')!;
    expect(missing.message).toContain(`com.amazonaws.${REGION}.secretsmanager`);
    expect(missing.message).toContain(IDS.rtbPrivate);
    expect(missing.fix).toContain('private DNS');
    expect(missing.fix).toContain('NAT gateway');
    const dbIngress = findings.find((f) => f.resource.id === IDS.sgDb)!;
    expect(dbIngress.fix).toContain(`TCP 3306 from ${IDS.sgLambda}`);
  });
});

describe('analyzeRotationNetwork: an Aurora PostgreSQL cluster (5432)', () => {
  it('checks 5432: the MySQL rules left in the DB group do not admit PostgreSQL', () => {
    const findings = expectFindings(variant(asAuroraPostgres), [
      {
        code: 'ENI_SG_RULES_MISMATCH',
        severity: 'error',
        resource: IDS.sgDb,
        condition: 'R7',
        rule: { direction: 'ingress', ports: '5432', peer: '10.0.1.0/24, 10.0.2.0/24' },
      },
    ]);
    expect(findings[0]?.fix).toContain(`TCP 5432 from ${IDS.sgLambda}`);
    const analysis = analyzeRotationNetwork(variant(asAuroraPostgres));
    expect(analysis.databases[0]).toMatchObject({ engine: 'aurora-postgresql', port: 5432 });
  });

  it('passes once the DB group admits 5432 from the function', () => {
    expectFindings(
      variant((s) => {
        asAuroraPostgres(s);
        dbIngressFromLambda(s, 5432);
      }),
      [],
    );
  });

  it('takes 5432 from the engine when RDS reports no port, and names PostgreSQL in ACL findings', () => {
    const findings = expectFindings(
      variant((s) => {
        asAuroraPostgres(s, undefined);
        dbIngressFromLambda(s, 5432);
        // The DB subnets' ACL still lets only MySQL in.
        customAcl(
          s,
          'acl-0db0000000000001',
          [IDS.subnetDbA, IDS.subnetDbB],
          [
            ...ALLOW_ALL_BOTH_WAYS.filter((e) => e.Egress),
            {
              RuleNumber: 100,
              Protocol: '6',
              RuleAction: 'allow',
              Egress: false,
              CidrBlock: '10.0.0.0/16',
              PortRange: { From: 3306, To: 3306 },
            },
          ],
        );
      }),
      [
        {
          code: 'SUBNET_ACL_RESTRICTION',
          severity: 'error',
          resource: 'acl-0db0000000000001',
          condition: 'R7',
          rule: { direction: 'ingress', ports: '5432', ruleNumber: '*' },
        },
      ],
    );
    expect(findings[0]?.message).toContain('PostgreSQL to DB cluster');
    expect(findings[0]?.message).not.toContain('MySQL');
  });

  it('finds the original incident on a PostgreSQL cluster with 5432 in every database finding', () => {
    const broken = originalBrokenSnapshot();
    asAuroraPostgres(broken);
    expectFindings(broken, [
      { code: 'VPC_ENDPOINT_MISSING', severity: 'error', resource: VPC_ID, condition: 'R3' },
      {
        code: 'ENI_SG_RULES_MISMATCH',
        severity: 'error',
        resource: IDS.sgLambda,
        condition: 'R7',
        rule: { direction: 'egress', ports: '5432' },
      },
      {
        code: 'ENI_SG_RULES_MISMATCH',
        severity: 'error',
        resource: IDS.sgDb,
        condition: 'R7',
        rule: { direction: 'ingress', ports: '5432' },
      },
    ]);
  });
});

describe('analyzeRotationNetwork: one misconfiguration at a time', () => {
  it('no Secrets Manager endpoint and no NAT -> VPC_ENDPOINT_MISSING', () => {
    expectFindings(variant(removeEndpoint), [
      { code: 'VPC_ENDPOINT_MISSING', severity: 'error', resource: VPC_ID },
    ]);
  });

  it('private DNS off on the endpoint -> PRIVATE_DNS_DISABLED', () => {
    const findings = expectFindings(
      variant((s) => {
        endpoint(s).PrivateDnsEnabled = false;
      }),
      [
        {
          code: 'PRIVATE_DNS_DISABLED',
          severity: 'error',
          resource: IDS.endpoint,
          rule: { attribute: 'PrivateDnsEnabled' },
        },
      ],
    );
    expect(findings[0]?.message).toContain('no default route');
  });

  it('enableDnsHostnames off -> VPC_DNS_ATTRIBUTE_DISABLED (enableDnsHostnames)', () => {
    expectFindings(
      variant((s) => {
        s.vpcAttributes[VPC_ID]!.enableDnsHostnames = false;
      }),
      [
        {
          code: 'VPC_DNS_ATTRIBUTE_DISABLED',
          severity: 'error',
          resource: VPC_ID,
          rule: { attribute: 'enableDnsHostnames' },
        },
      ],
    );
  });

  it('enableDnsSupport off -> VPC_DNS_ATTRIBUTE_DISABLED (enableDnsSupport)', () => {
    const findings = expectFindings(
      variant((s) => {
        s.vpcAttributes[VPC_ID]!.enableDnsSupport = false;
      }),
      [
        {
          code: 'VPC_DNS_ATTRIBUTE_DISABLED',
          severity: 'error',
          resource: VPC_ID,
          rule: { attribute: 'enableDnsSupport' },
        },
      ],
    );
    expect(findings[0]?.fix).toContain('--enable-dns-support');
  });

  it('endpoint security group without 443 -> ENI_SG_RULES_MISMATCH on the endpoint group', () => {
    const findings = expectFindings(
      variant((s) =>
        setIngress(s, IDS.sgEndpoint, [
          {
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            UserIdGroupPairs: [{ GroupId: IDS.sgLambda }],
          },
        ]),
      ),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgEndpoint,
          condition: 'R4',
          rule: { direction: 'ingress', protocol: 'tcp', ports: '443' },
        },
      ],
    );
    expect(findings[0]?.fix).toContain(`TCP 443 from ${IDS.sgLambda}`);
  });

  it('Lambda security group with no outbound rule -> ENI_SG_RULES_MISMATCH for 443 and 3306', () => {
    expectFindings(
      variant((s) => setEgress(s, IDS.sgLambda, [])),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgLambda,
          condition: 'R4',
          rule: { direction: 'egress', ports: '443', peer: '10.0.1.0/24, 10.0.2.0/24' },
        },
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgLambda,
          condition: 'R7',
          rule: { direction: 'egress', ports: '3306' },
        },
      ],
    );
  });

  it('DB security group does not admit the Lambda group -> ENI_SG_RULES_MISMATCH on the DB group', () => {
    expectFindings(
      variant((s) =>
        setIngress(s, IDS.sgDb, [
          {
            IpProtocol: 'tcp',
            FromPort: 3306,
            ToPort: 3306,
            UserIdGroupPairs: [{ GroupId: IDS.sgDefault }],
          },
        ]),
      ),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgDb,
          condition: 'R7',
          rule: { direction: 'ingress', ports: '3306' },
        },
      ],
    );
  });

  it('NACL on the Lambda subnets mirrors outbound rules and drops return traffic -> SUBNET_ACL_RESTRICTION', () => {
    const findings = expectFindings(
      variant((s) =>
        customAcl(
          s,
          'acl-0lambda00000001',
          [IDS.subnetLambdaA, IDS.subnetLambdaB],
          [
            {
              RuleNumber: 100,
              Protocol: '-1',
              RuleAction: 'allow',
              Egress: true,
              CidrBlock: '0.0.0.0/0',
            },
            // Only the request ports inbound: replies on 1024-65535 hit the final deny.
            {
              RuleNumber: 100,
              Protocol: '6',
              RuleAction: 'allow',
              Egress: false,
              CidrBlock: '10.0.0.0/16',
              PortRange: { From: 443, To: 443 },
            },
            {
              RuleNumber: 110,
              Protocol: '6',
              RuleAction: 'allow',
              Egress: false,
              CidrBlock: '10.0.0.0/16',
              PortRange: { From: 3306, To: 3306 },
            },
          ],
        ),
      ),
      [
        {
          code: 'SUBNET_ACL_RESTRICTION',
          severity: 'error',
          resource: 'acl-0lambda00000001',
          condition: 'R4',
          rule: { direction: 'ingress', ports: '1024-65535', ruleNumber: '*' },
        },
      ],
    );
    expect(findings[0]?.rule?.peer?.split(', ').sort()).toEqual(
      ['10.0.1.0/24', '10.0.11.0/24', '10.0.12.0/24', '10.0.2.0/24'].sort(),
    );
    expect(findings[0]?.fix).toContain('stateless');
  });

  it('NAT gateway route instead of an endpoint -> no finding, route is nat-gateway', () => {
    const snapshot = variant((s) => {
      removeEndpoint(s);
      addNatRoute(s);
    });
    expectFindings(snapshot, []);
    expect(analyzeRotationNetwork(snapshot).secretsManager?.route).toBe('nat-gateway');
  });

  it('NAT route whose gateway was deleted -> ROUTE_BLACKHOLE', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        s.natGateways = [];
        const route = routeTable(s, IDS.rtbPrivate).Routes!.find((r) => r.NatGatewayId)!;
        route.State = 'blackhole';
      }),
      [
        {
          code: 'ROUTE_BLACKHOLE',
          severity: 'error',
          resource: IDS.rtbPrivate,
          condition: 'R5',
          rule: { destination: '0.0.0.0/0' },
        },
      ],
    );
  });

  it('default route to the internet gateway from the Lambda subnets -> IGW_ROUTE_WITHOUT_PUBLIC_IP', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        routeTable(s, IDS.rtbPrivate).Routes!.push({
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: IDS.igw,
          State: 'active',
        });
      }),
      [{ code: 'IGW_ROUTE_WITHOUT_PUBLIC_IP', severity: 'error', resource: IDS.rtbPrivate }],
    );
  });

  it('Lambda in another VPC (which reaches Secrets Manager fine) -> DIFFERENT_VPC', () => {
    expectFindings(variant(moveLambdaToOtherVpc), [
      { code: 'DIFFERENT_VPC', severity: 'error', resource: IDS.functionName, condition: 'R1' },
    ]);
  });

  it('one cluster member in a subnet whose NACL denies the DB port -> SUBNET_ACL_RESTRICTION for that subnet only', () => {
    const findings = expectFindings(
      variant((s) =>
        customAcl(
          s,
          'acl-0dbb0000000001',
          [IDS.subnetDbB],
          [
            {
              RuleNumber: 90,
              Protocol: '6',
              RuleAction: 'deny',
              Egress: false,
              CidrBlock: '10.0.0.0/16',
              PortRange: { From: 3306, To: 3306 },
            },
            ...ALLOW_ALL_BOTH_WAYS,
          ],
        ),
      ),
      [
        {
          code: 'SUBNET_ACL_RESTRICTION',
          severity: 'error',
          resource: 'acl-0dbb0000000001',
          condition: 'R7',
          rule: { direction: 'ingress', ports: '3306', ruleNumber: 90 },
        },
      ],
    );
    expect(findings[0]?.message).toContain(IDS.member2);
    expect(findings[0]?.message).not.toContain(IDS.member1);
  });

  it('endpoint only in AZ a while the function also runs in AZ b -> VPC_ENDPOINT_AZ_NOT_COVERED (warning)', () => {
    expectFindings(
      variant((s) => {
        endpoint(s).SubnetIds = [IDS.subnetLambdaA];
        endpoint(s).NetworkInterfaceIds = ['eni-0endpointa000001'];
      }),
      [
        {
          code: 'VPC_ENDPOINT_AZ_NOT_COVERED',
          severity: 'warning',
          resource: IDS.endpoint,
          rule: { attribute: 'us-east-1b' },
        },
      ],
    );
  });

  it('endpoint in state pending -> VPC_ENDPOINT_NOT_AVAILABLE', () => {
    expectFindings(
      variant((s) => {
        endpoint(s).State = 'pending' as never;
      }),
      [{ code: 'VPC_ENDPOINT_NOT_AVAILABLE', severity: 'error', resource: IDS.endpoint }],
    );
  });

  it('NAT gateway in a subnet with no route to an internet gateway -> NO_ROUTE_TO_DESTINATION', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        routeTable(s, IDS.rtbPublic).Routes = routeTable(s, IDS.rtbPublic).Routes!.filter(
          (r) => r.GatewayId === 'local',
        );
      }),
      [
        {
          code: 'NO_ROUTE_TO_DESTINATION',
          severity: 'error',
          resource: IDS.rtbPublic,
          rule: { destination: '0.0.0.0/0' },
        },
      ],
    );
  });

  it('a private NAT gateway cannot reach the internet -> NAT_GATEWAY_NOT_AVAILABLE', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        s.natGateways[0]!.ConnectivityType = 'private';
      }),
      [{ code: 'NAT_GATEWAY_NOT_AVAILABLE', severity: 'error', resource: 'nat-0public00000001' }],
    );
  });

  it('internet gateway detached from the VPC -> IGW_NOT_ATTACHED', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        s.internetGateways[0]!.Attachments = [];
      }),
      [{ code: 'IGW_NOT_ATTACHED', severity: 'error', resource: IDS.igw }],
    );
  });

  it('NAT path with Lambda egress limited to the VPC CIDR -> ENI_SG_RULES_MISMATCH to the internet', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        setEgress(s, IDS.sgLambda, [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }]);
      }),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgLambda,
          rule: { direction: 'egress', ports: '443', peer: 'internet' },
        },
      ],
    );
  });

  it('only one of two Lambda route tables has the NAT route -> NO_ROUTE_TO_DESTINATION for the other', () => {
    expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        // Subnet b gets its own table with just the local route.
        const priv = routeTable(s, IDS.rtbPrivate);
        priv.Associations = priv.Associations!.filter((a) => a.SubnetId !== IDS.subnetLambdaB);
        s.routeTables.push({
          RouteTableId: 'rtb-0lambdab000001',
          VpcId: VPC_ID,
          Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }],
          Associations: [
            { RouteTableId: 'rtb-0lambdab000001', SubnetId: IDS.subnetLambdaB, Main: false },
          ],
        });
      }),
      [
        {
          code: 'NO_ROUTE_TO_DESTINATION',
          severity: 'error',
          resource: 'rtb-0lambdab000001',
          condition: 'R5',
        },
      ],
    );
  });

  it('function not in a VPC while the DB is private -> LAMBDA_NOT_IN_VPC', () => {
    expectFindings(
      variant((s) => {
        s.function!.VpcConfig = { SubnetIds: [], SecurityGroupIds: [] };
      }),
      [{ code: 'LAMBDA_NOT_IN_VPC', severity: 'error', resource: IDS.functionName }],
    );
  });

  it('no function policy -> LAMBDA_PERMISSION_MISSING', () => {
    expectFindings(
      variant((s) => {
        s.functionPolicy = null;
      }),
      [
        {
          code: 'LAMBDA_PERMISSION_MISSING',
          severity: 'error',
          resource: IDS.functionName,
          condition: 'R9',
        },
      ],
    );
  });

  it('function policy for another principal -> LAMBDA_PERMISSION_MISSING', () => {
    expectFindings(
      variant((s) => {
        s.functionPolicy = JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'lambda:InvokeFunction',
            },
          ],
        });
      }),
      [{ code: 'LAMBDA_PERMISSION_MISSING', severity: 'error', resource: IDS.functionName }],
    );
  });

  it('function in state Failed -> FUNCTION_NOT_ACTIVE', () => {
    expectFindings(
      variant((s) => {
        s.function!.State = 'Failed';
        s.function!.StateReason =
          'The provided execution role does not have permissions to call CreateNetworkInterface on EC2';
      }),
      [{ code: 'FUNCTION_NOT_ACTIVE', severity: 'error', resource: IDS.functionName }],
    );
  });

  it('function timeout of 3 seconds -> FUNCTION_TIMEOUT_TOO_SHORT (warning)', () => {
    expectFindings(
      variant((s) => {
        s.function!.Timeout = 3;
      }),
      [{ code: 'FUNCTION_TIMEOUT_TOO_SHORT', severity: 'warning', resource: IDS.functionName }],
    );
  });

  it('secret rotated by another function -> ROTATION_FUNCTION_MISMATCH (warning)', () => {
    expectFindings(
      variant((s) => {
        s.secret!.RotationLambdaARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:someone-else`;
      }),
      [{ code: 'ROTATION_FUNCTION_MISMATCH', severity: 'warning', resource: IDS.secretArn }],
    );
  });

  it('endpoint policy without PutSecretValue -> VPC_ENDPOINT_POLICY_RESTRICTION', () => {
    const findings = expectFindings(
      variant((s) => {
        endpoint(s).PolicyDocument = JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: '*',
            },
          ],
        });
      }),
      [
        {
          code: 'VPC_ENDPOINT_POLICY_RESTRICTION',
          severity: 'error',
          resource: IDS.endpoint,
          condition: 'R6',
        },
      ],
    );
    expect(findings[0]?.message).toContain('secretsmanager:PutSecretValue');
    expect(findings[0]?.message).toContain('secretsmanager:UpdateSecretVersionStage');
  });

  it('secret policy requiring another endpoint -> SECRET_POLICY_VPC_CONDITION', () => {
    expectFindings(
      variant((s) => {
        s.secretPolicy = JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 'secretsmanager:*',
              Resource: '*',
              Condition: { StringNotEquals: { 'aws:sourceVpce': 'vpce-0someotherone0001' } },
            },
          ],
        });
      }),
      [
        {
          code: 'SECRET_POLICY_VPC_CONDITION',
          severity: 'error',
          resource: IDS.secretArn,
          rule: { attribute: 'aws:SourceVpce' },
        },
      ],
    );
  });

  it('secret policy requiring this endpoint -> no finding', () => {
    expectFindings(
      variant((s) => {
        s.secretPolicy = JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 'secretsmanager:*',
              Resource: '*',
              Condition: { StringNotEquals: { 'aws:sourceVpce': IDS.endpoint } },
            },
          ],
        });
      }),
      [],
    );
  });

  it('custom DHCP DNS servers with private DNS -> DHCP_CUSTOM_DNS (warning)', () => {
    expectFindings(
      variant((s) => {
        s.dhcpOptions[0]!.DhcpConfigurations = [
          { Key: 'domain-name-servers', Values: [{ Value: '10.0.0.53' }] },
        ];
      }),
      [{ code: 'DHCP_CUSTOM_DNS', severity: 'warning', resource: IDS.dhcp }],
    );
  });

  it('SECRETS_MANAGER_ENDPOINT pointing at a non-AWS host -> ENDPOINT_OVERRIDE (warning, secretsmanager)', () => {
    const findings = expectFindings(
      variant((s) => {
        s.function!.Environment = {
          Variables: { SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:4566' },
        };
      }),
      [
        {
          code: 'ENDPOINT_OVERRIDE',
          severity: 'warning',
          resource: IDS.functionName,
          condition: 'R2',
          rule: { attribute: 'SECRETS_MANAGER_ENDPOINT' },
        },
      ],
    );
    expect(findings[0]?.service).toBe('secretsmanager');
    expect(findings[0]?.message).toContain('points the Secrets Manager client of');
  });

  it('AWS_ENDPOINT_URL at a non-AWS host with checkRdsApi -> one ENDPOINT_OVERRIDE per service', () => {
    const snapshot = variant((s) => {
      s.function!.Environment = { Variables: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } };
    });
    const analysis = analyzeRotationNetwork(snapshot, { checkRdsApi: true });
    expect(
      analysis.findings.map((f) => [f.code, f.service, f.severity, f.condition, f.rule?.attribute]),
    ).toEqual([
      ['ENDPOINT_OVERRIDE', 'secretsmanager', 'warning', 'R2', 'AWS_ENDPOINT_URL'],
      ['ENDPOINT_OVERRIDE', 'rds', 'warning', 'R2', 'AWS_ENDPOINT_URL'],
    ]);
    const [sm, rds] = analysis.findings;
    expect(rds?.message).toContain('points the RDS client of');
    expect(sm?.message).toContain('points the Secrets Manager client of');
    expect(analysis.rdsApi?.route).toBe('not-modelled');
    expect(analysis.secretsManager?.route).toBe('not-modelled');
  });

  it('DB cluster in state modifying -> DB_NOT_AVAILABLE (warning)', () => {
    const findings = expectFindings(
      variant((s) => {
        s.dbClusters[0]!.Status = 'modifying';
      }),
      [
        {
          code: 'DB_NOT_AVAILABLE',
          severity: 'warning',
          resource: IDS.cluster,
          rule: { attribute: 'Status' },
        },
      ],
    );
    expect(findings[0]?.message).toBe(`DB cluster ${IDS.cluster} is modifying.`);
  });

  it('default route to a transit gateway instead of NAT -> ROUTE_TARGET_UNVERIFIED (warning)', () => {
    const snapshot = variant((s) => {
      removeEndpoint(s);
      routeTable(s, IDS.rtbPrivate).Routes!.push({
        DestinationCidrBlock: '0.0.0.0/0',
        TransitGatewayId: 'tgw-0hub000000000001',
        State: 'active',
      });
    });
    const findings = expectFindings(snapshot, [
      {
        code: 'ROUTE_TARGET_UNVERIFIED',
        severity: 'warning',
        resource: IDS.rtbPrivate,
        condition: 'R5',
        rule: { destination: '0.0.0.0/0' },
      },
    ]);
    expect(findings[0]?.message).toContain('tgw-0hub000000000001 (transit-gateway)');
    expect(analyzeRotationNetwork(snapshot).secretsManager?.route).toBe('unverified');
  });

  it("NAT gateway's subnet routes out through a transit gateway -> ROUTE_TARGET_UNVERIFIED", () => {
    const findings = expectFindings(
      variant((s) => {
        removeEndpoint(s);
        addNatRoute(s);
        const table = routeTable(s, IDS.rtbPublic);
        table.Routes = table.Routes!.filter((r) => r.GatewayId === 'local');
        table.Routes.push({
          DestinationCidrBlock: '0.0.0.0/0',
          TransitGatewayId: 'tgw-0hub000000000001',
          State: 'active',
        });
      }),
      [
        {
          code: 'ROUTE_TARGET_UNVERIFIED',
          severity: 'warning',
          resource: IDS.rtbPublic,
          condition: 'R5',
          rule: { destination: '0.0.0.0/0' },
        },
      ],
    );
    expect(findings[0]?.message).toContain("The NAT gateway's subnet");
  });

  it('a more specific route sends DB traffic to a peering -> ROUTE_TARGET_UNVERIFIED under R7', () => {
    expectFindings(
      variant((s) => {
        routeTable(s, IDS.rtbPrivate).Routes!.push({
          DestinationCidrBlock: '10.0.11.0/24',
          VpcPeeringConnectionId: 'pcx-0peer0000000001',
          State: 'active',
        });
      }),
      [
        {
          code: 'ROUTE_TARGET_UNVERIFIED',
          severity: 'warning',
          resource: IDS.rtbPrivate,
          condition: 'R7',
          rule: { destination: '10.0.11.0/24' },
        },
      ],
    );
  });

  it('a DB subnet outside every route -> NO_ROUTE_TO_DESTINATION under R7', () => {
    const findings = expectFindings(
      variant((s) => {
        s.subnets.find((x) => x.SubnetId === IDS.subnetDbB)!.CidrBlock = '172.16.12.0/24';
      }),
      [
        {
          code: 'NO_ROUTE_TO_DESTINATION',
          severity: 'error',
          resource: IDS.rtbPrivate,
          condition: 'R7',
          rule: { destination: '172.16.12.0/24' },
        },
      ],
    );
    expect(findings[0]?.fix).toContain('inside the VPC CIDR');
  });

  it('checkRdsApi with no RDS endpoint -> VPC_ENDPOINT_MISSING under R8', () => {
    const analysis = analyzeRotationNetwork(fixedSnapshot(), { checkRdsApi: true });
    expect(analysis.findings.map((f) => [f.code, f.condition])).toEqual([
      ['VPC_ENDPOINT_MISSING', 'R8'],
    ]);
    expect(analysis.findings[0]?.message).toContain(`com.amazonaws.${REGION}.rds`);
    expect(analysis.rdsApi?.host).toBe(`rds.${REGION}.amazonaws.com`);
  });
});

describe('analyzeRotationNetwork: rule semantics that must not raise findings', () => {
  it('DB group admits a port range containing 3306', () => {
    expectFindings(
      variant((s) =>
        setIngress(s, IDS.sgDb, [
          {
            IpProtocol: 'tcp',
            FromPort: 3300,
            ToPort: 3310,
            UserIdGroupPairs: [{ GroupId: IDS.sgLambda }],
          },
        ]),
      ),
      [],
    );
  });

  it('DB group admits all protocols (-1) from the Lambda group', () => {
    expectFindings(
      variant((s) =>
        setIngress(s, IDS.sgDb, [
          { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: IDS.sgLambda }] },
        ]),
      ),
      [],
    );
  });

  it('DB group admits the Lambda subnets through a prefix list', () => {
    expectFindings(
      variant((s) => {
        s.prefixLists['pl-0lambdasubnets01'] = [{ Cidr: '10.0.1.0/24' }, { Cidr: '10.0.2.0/24' }];
        setIngress(s, IDS.sgDb, [
          {
            IpProtocol: 'tcp',
            FromPort: 3306,
            ToPort: 3306,
            PrefixListIds: [{ PrefixListId: 'pl-0lambdasubnets01' }],
          },
        ]);
      }),
      [],
    );
  });

  it('prefix list missing one Lambda subnet -> ENI_SG_RULES_MISMATCH naming that subnet', () => {
    expectFindings(
      variant((s) => {
        s.prefixLists['pl-0lambdasubnets01'] = [{ Cidr: '10.0.1.0/24' }];
        setIngress(s, IDS.sgDb, [
          {
            IpProtocol: 'tcp',
            FromPort: 3306,
            ToPort: 3306,
            PrefixListIds: [{ PrefixListId: 'pl-0lambdasubnets01' }],
          },
        ]);
      }),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgDb,
          condition: 'R7',
          rule: { direction: 'ingress', ports: '3306', peer: '10.0.2.0/24' },
        },
      ],
    );
  });

  it('endpoint group admits only half of a Lambda subnet -> partial, a warning', () => {
    expectFindings(
      variant((s) =>
        setIngress(s, IDS.sgEndpoint, [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            IpRanges: [{ CidrIp: '10.0.1.0/25' }, { CidrIp: '10.0.2.0/24' }],
          },
        ]),
      ),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'warning',
          resource: IDS.sgEndpoint,
          rule: { direction: 'ingress', ports: '443', peer: '10.0.1.0/24' },
        },
      ],
    );
  });

  it('merged findings word every peer: a partial and a missing rule become one error listing both', () => {
    const findings = expectFindings(
      variant((s) =>
        setIngress(s, IDS.sgEndpoint, [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            IpRanges: [{ CidrIp: '10.0.1.0/25' }],
          },
        ]),
      ),
      [
        {
          code: 'ENI_SG_RULES_MISMATCH',
          severity: 'error',
          resource: IDS.sgEndpoint,
          rule: { direction: 'ingress', ports: '443', peer: '10.0.1.0/24, 10.0.2.0/24' },
        },
      ],
    );
    expect(findings[0]?.message).toContain('at 10.0.1.0/24, 10.0.2.0/24.');
    expect(findings[0]?.fix).toBe(
      `Add an inbound rule to ${IDS.sgEndpoint}: TCP 443 from ${IDS.sgLambda} (or 10.0.1.0/24, 10.0.2.0/24).`,
    );
  });

  it('NACL: the lowest-numbered rule wins (deny 50 before allow 100)', () => {
    expectFindings(
      variant((s) =>
        customAcl(
          s,
          'acl-0db000000000001',
          [IDS.subnetDbA, IDS.subnetDbB],
          [
            {
              RuleNumber: 50,
              Protocol: '6',
              RuleAction: 'deny',
              Egress: false,
              CidrBlock: '10.0.1.0/24',
              PortRange: { From: 3306, To: 3306 },
            },
            ...ALLOW_ALL_BOTH_WAYS,
          ],
        ),
      ),
      [
        {
          code: 'SUBNET_ACL_RESTRICTION',
          severity: 'error',
          resource: 'acl-0db000000000001',
          condition: 'R7',
          rule: { direction: 'ingress', ports: '3306', ruleNumber: 50, peer: '10.0.1.0/24' },
        },
      ],
    );
  });

  it('NACL: an allow numbered before a deny wins', () => {
    expectFindings(
      variant((s) =>
        customAcl(
          s,
          'acl-0db000000000001',
          [IDS.subnetDbA, IDS.subnetDbB],
          [
            {
              RuleNumber: 50,
              Protocol: '6',
              RuleAction: 'allow',
              Egress: false,
              CidrBlock: '10.0.0.0/16',
              PortRange: { From: 3306, To: 3306 },
            },
            {
              RuleNumber: 60,
              Protocol: '6',
              RuleAction: 'deny',
              Egress: false,
              CidrBlock: '10.0.1.0/24',
              PortRange: { From: 3306, To: 3306 },
            },
            ...ALLOW_ALL_BOTH_WAYS,
          ],
        ),
      ),
      [],
    );
  });

  it('endpoint-specific host name needs no private DNS', () => {
    expectFindings(
      variant((s) => {
        endpoint(s).PrivateDnsEnabled = false;
        s.function!.Environment = {
          Variables: {
            SECRETS_MANAGER_ENDPOINT: `https://${IDS.endpoint}-abcd1234.secretsmanager.${REGION}.vpce.amazonaws.com`,
          },
        };
      }),
      [],
    );
  });

  it('endpoint ENI addresses narrow the rule check when the snapshot has them', () => {
    expectFindings(
      variant((s) => {
        s.networkInterfaces = [
          {
            NetworkInterfaceId: 'eni-0endpointa000001',
            SubnetId: IDS.subnetLambdaA,
            PrivateIpAddress: '10.0.1.200',
          },
          {
            NetworkInterfaceId: 'eni-0endpointb000001',
            SubnetId: IDS.subnetLambdaB,
            PrivateIpAddress: '10.0.2.200',
          },
        ];
        setEgress(s, IDS.sgLambda, [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            IpRanges: [{ CidrIp: '10.0.1.200/32' }, { CidrIp: '10.0.2.200/32' }],
          },
          {
            IpProtocol: 'tcp',
            FromPort: 3306,
            ToPort: 3306,
            UserIdGroupPairs: [{ GroupId: IDS.sgDb }],
          },
        ]);
      }),
      [],
    );
  });

  it('private DNS off but a working NAT route -> only an info finding', () => {
    expectFindings(
      variant((s) => {
        endpoint(s).PrivateDnsEnabled = false;
        addNatRoute(s);
      }),
      [{ code: 'PRIVATE_DNS_DISABLED', severity: 'info', resource: IDS.endpoint }],
    );
  });

  it('AWS_USE_FIPS_ENDPOINT looks for the -fips endpoint service', () => {
    const snapshot = variant((s) => {
      s.function!.Environment = { Variables: { AWS_USE_FIPS_ENDPOINT: 'true' } };
    });
    const analysis = analyzeRotationNetwork(snapshot);
    expect(analysis.secretsManager?.host).toBe(`secretsmanager-fips.${REGION}.amazonaws.com`);
    expect(analysis.findings.map((f) => f.code)).toEqual(['VPC_ENDPOINT_MISSING']);
    endpoint(snapshot).ServiceName = `com.amazonaws.${REGION}.secretsmanager-fips`;
    expect(analyzeRotationNetwork(snapshot).findings).toEqual([]);
  });
});

describe('analyzeRotationNetwork: input validation', () => {
  it('rejects a snapshot without the list fields, naming the field', () => {
    const broken = { ...fixedSnapshot(), subnets: undefined } as unknown as RotationNetworkSnapshot;
    expect(() => analyzeRotationNetwork(broken)).toThrow(InvalidSnapshotError);
    expect(() => analyzeRotationNetwork(broken)).toThrow(/`subnets`/);
  });

  it('rejects a snapshot that misses a subnet the function uses', () => {
    const s = fixedSnapshot();
    s.subnets = s.subnets.filter((x) => x.SubnetId !== IDS.subnetLambdaB);
    expect(() => analyzeRotationNetwork(s)).toThrow(new RegExp(IDS.subnetLambdaB));
  });

  it('rejects a bad option, naming it', () => {
    expect(() =>
      analyzeRotationNetwork(fixedSnapshot(), { minFunctionTimeoutSeconds: -1 }),
    ).toThrow(/minFunctionTimeoutSeconds/);
  });

  it('is pure: does not modify the snapshot and gives the same answer twice', () => {
    const s = fixedSnapshot();
    setEgress(s, IDS.sgLambda, []);
    const before = JSON.stringify(s);
    const first = analyzeRotationNetwork(s);
    expect(JSON.stringify(s)).toBe(before);
    expect(analyzeRotationNetwork(s)).toEqual(first);
    expect(group(s, IDS.sgLambda).IpPermissionsEgress).toEqual([]);
    void API_AVAILABLE;
  });
});
