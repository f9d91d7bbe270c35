import { fileURLToPath } from 'node:url';
import { analyzeRotationNetwork, type RotationNetworkSnapshot } from '@rotakit/netcheck';
import { beforeAll, describe, expect, it } from 'vitest';
import { TemplateSnapshotError } from '../src/errors.js';
import { type CfnTemplate, loadTemplate } from '../src/load-template.js';
import { type ExistingEnvironment, snapshotFromTemplate } from '../src/template-snapshot.js';
import { ACCOUNT, existingEnvironment, IDS } from './environment.js';

const templatePath = fileURLToPath(new URL('../template.yaml', import.meta.url));

/** Every field that identifies a finding, so any unexpected one (warnings too) fails. */
function findingsOf(snapshot: RotationNetworkSnapshot) {
  return analyzeRotationNetwork(snapshot).findings.map((f) => ({
    severity: f.severity,
    code: f.code,
    condition: f.condition,
    resource: f.resource.id,
    rule: f.rule,
  }));
}

describe('infra/template.yaml through netcheck analyzeRotationNetwork', () => {
  let template: CfnTemplate;
  const deploy = (
    edit?: (t: CfnTemplate) => void,
    parameters?: ExistingEnvironment['parameters'],
    engine: 'mysql' | 'postgres' = 'mysql',
  ) => {
    const copy = structuredClone(template);
    edit?.(copy);
    return snapshotFromTemplate(copy, existingEnvironment(parameters, engine));
  };
  const groupNamed = (snapshot: RotationNetworkSnapshot, logicalId: string) => {
    const group = snapshot.securityGroups.find((g) => g.GroupName?.includes(`-${logicalId}-`));
    if (!group?.GroupId) throw new Error(`no security group from ${logicalId}`);
    return group;
  };

  beforeAll(() => {
    template = loadTemplate(templatePath);
  });

  it('finds nothing to fix once the stack is deployed into the environment', () => {
    const snapshot = deploy();
    const analysis = analyzeRotationNetwork(snapshot);
    expect(findingsOf(snapshot)).toEqual([]);
    expect(analysis.ok).toBe(true);
    const endpoint = snapshot.vpcEndpoints[0];
    expect(analysis.secretsManager).toMatchObject({
      host: 'secretsmanager.us-east-1.amazonaws.com',
      hostSource: 'SECRETS_MANAGER_ENDPOINT',
      route: 'vpc-endpoint',
      vpcEndpointId: endpoint?.VpcEndpointId,
    });
    expect(analysis.databases).toEqual([
      expect.objectContaining({
        id: IDS.cluster,
        port: 3306,
        members: [
          { id: IDS.member1, subnetIds: [IDS.subnetDbA] },
          { id: IDS.member2, subnetIds: [IDS.subnetDbB] },
        ],
      }),
    ]);
  });

  it('an Aurora PostgreSQL cluster: DatabasePort=5432 deploys clean; the default 3306 does not', () => {
    const snapshot = deploy(undefined, { DatabasePort: 5432 }, 'postgres');
    expect(findingsOf(snapshot)).toEqual([]);
    expect(analyzeRotationNetwork(snapshot).databases).toEqual([
      expect.objectContaining({ id: IDS.cluster, port: 5432 }),
    ]);
    const wrongPort = deploy(undefined, {}, 'postgres');
    expect(findingsOf(wrongPort)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'error',
          code: 'ENI_SG_RULES_MISMATCH',
          condition: 'R7',
          resource: IDS.sgDb,
          rule: expect.objectContaining({ direction: 'ingress', ports: '5432' }),
        }),
      ]),
    );
  });

  // A clean result means something only if the snapshot holds exactly the template's rules
  // (an allow-all left in by the mapping would hide a missing one).
  it('builds the snapshot from the template rules, not from defaults', () => {
    const snapshot = deploy();
    const fnGroup = groupNamed(snapshot, 'RotationFunctionSecurityGroup');
    const endpointGroup = groupNamed(snapshot, 'SecretsManagerEndpointSecurityGroup');
    const pair = (groupId: string | undefined) => [
      expect.objectContaining({ GroupId: groupId, UserId: ACCOUNT }),
    ];
    expect(fnGroup.IpPermissions).toEqual([]);
    expect(fnGroup.IpPermissionsEgress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        UserIdGroupPairs: pair(endpointGroup.GroupId),
      },
      { IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, UserIdGroupPairs: pair(IDS.sgDb) },
    ]);
    expect(endpointGroup.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: pair(fnGroup.GroupId) },
    ]);
    expect(snapshot.securityGroups.find((g) => g.GroupId === IDS.sgDb)?.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, UserIdGroupPairs: pair(fnGroup.GroupId) },
    ]);
    expect(snapshot.vpcEndpoints).toEqual([
      expect.objectContaining({
        VpcEndpointType: 'Interface',
        ServiceName: 'com.amazonaws.us-east-1.secretsmanager',
        VpcId: IDS.vpc,
        SubnetIds: [IDS.subnetPrivateA, IDS.subnetPrivateB],
        Groups: [expect.objectContaining({ GroupId: endpointGroup.GroupId })],
        PrivateDnsEnabled: true,
        State: 'available',
      }),
    ]);
    const fn = snapshot.function;
    expect(fn).toMatchObject({
      Timeout: 60,
      VpcConfig: {
        SubnetIds: [IDS.subnetPrivateA, IDS.subnetPrivateB],
        SecurityGroupIds: [fnGroup.GroupId],
        VpcId: IDS.vpc,
      },
      Environment: {
        Variables: expect.objectContaining({
          SECRETS_MANAGER_ENDPOINT: 'https://secretsmanager.us-east-1.amazonaws.com',
        }),
      },
    });
    expect(JSON.parse(snapshot.functionPolicy ?? 'null')).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'secretsmanager.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: fn?.FunctionArn,
          Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } },
        },
      ],
    });
    expect(snapshot.secret?.RotationLambdaARN).toBe(fn?.FunctionArn);
  });

  describe('negative controls: the analysis fails when the template loses a piece', () => {
    it("without SecretsManagerEndpointIngressFromRotation, the endpoint's group refuses 443", () => {
      const snapshot = deploy((t) => {
        delete t.Resources.SecretsManagerEndpointIngressFromRotation;
      });
      expect(findingsOf(snapshot)).toEqual([
        {
          severity: 'error',
          code: 'ENI_SG_RULES_MISMATCH',
          condition: 'R4',
          resource: groupNamed(snapshot, 'SecretsManagerEndpointSecurityGroup').GroupId,
          rule: {
            direction: 'ingress',
            protocol: 'tcp',
            ports: '443',
            peer: '10.0.1.0/24, 10.0.2.0/24',
          },
        },
      ]);
    });

    it("without DatabaseIngressFromRotation, the DB's group refuses the DB port", () => {
      const snapshot = deploy((t) => {
        delete t.Resources.DatabaseIngressFromRotation;
      });
      expect(findingsOf(snapshot)).toEqual([
        {
          severity: 'error',
          code: 'ENI_SG_RULES_MISMATCH',
          condition: 'R7',
          resource: IDS.sgDb,
          rule: {
            direction: 'ingress',
            protocol: 'tcp',
            ports: '3306',
            peer: '10.0.1.0/24, 10.0.2.0/24',
          },
        },
      ]);
    });

    it('with CreateSecretsManagerEndpoint=false and no endpoint in the VPC, Secrets Manager is out of reach', () => {
      const snapshot = deploy(undefined, { CreateSecretsManagerEndpoint: 'false' });
      expect(snapshot.vpcEndpoints).toEqual([]);
      expect(findingsOf(snapshot)).toEqual([
        {
          severity: 'error',
          code: 'VPC_ENDPOINT_MISSING',
          condition: 'R3',
          resource: IDS.vpc,
          rule: undefined,
        },
      ]);
    });

    it("without the function's 443 egress rule, the function cannot send to the endpoint", () => {
      const snapshot = deploy((t) => {
        const props = t.Resources.RotationFunctionSecurityGroup?.Properties ?? {};
        props.SecurityGroupEgress = (
          props.SecurityGroupEgress as Array<{ FromPort: unknown }>
        ).filter((rule) => rule.FromPort !== 443);
      });
      expect(findingsOf(snapshot)).toEqual([
        {
          severity: 'error',
          code: 'ENI_SG_RULES_MISMATCH',
          condition: 'R4',
          resource: groupNamed(snapshot, 'RotationFunctionSecurityGroup').GroupId,
          rule: {
            direction: 'egress',
            protocol: 'tcp',
            ports: '443',
            // The endpoint's subnets: it has no network interfaces until deployed.
            peer: '10.0.1.0/24, 10.0.2.0/24',
          },
        },
      ]);
    });

    it('without RotationFunctionInvokePermission, Secrets Manager cannot invoke the function', () => {
      const snapshot = deploy((t) => {
        delete t.Resources.RotationFunctionInvokePermission;
      });
      expect(findingsOf(snapshot)).toEqual([
        {
          severity: 'error',
          code: 'LAMBDA_PERMISSION_MISSING',
          condition: 'R9',
          resource: snapshot.function?.FunctionName,
          rule: { attribute: 'Policy' },
        },
      ]);
    });
  });

  it('refuses a resource type it does not model instead of leaving it out of the analysis', () => {
    const run = () =>
      deploy((t) => {
        t.Resources.ExtraAcl = {
          Type: 'AWS::EC2::NetworkAcl',
          Properties: { VpcId: { Ref: 'VpcId' } },
        };
      });
    expect(run).toThrow(TemplateSnapshotError);
    expect(run).toThrow('ExtraAcl: resource type AWS::EC2::NetworkAcl is not modelled');
  });

  it('names a required parameter that has no value', () => {
    const environment = existingEnvironment();
    delete environment.parameters.SecretArn;
    expect(() => snapshotFromTemplate(template, environment)).toThrow(
      'SecretArn: parameter has no value and no Default',
    );
  });
});
