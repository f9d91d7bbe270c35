import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnResource, type CfnTemplate, loadTemplate } from '../src/load-template.js';

const templatePath = fileURLToPath(new URL('../template.yaml', import.meta.url));
const ref = (name: string) => ({ Ref: name });

type Rule = {
  IpProtocol: string;
  FromPort: unknown;
  ToPort: unknown;
  DestinationSecurityGroupId?: unknown;
  SourceSecurityGroupId?: unknown;
};

describe('infra/template.yaml', () => {
  let template: CfnTemplate;
  const resource = (name: string): CfnResource => {
    const found = template.Resources[name];
    if (!found) throw new Error(`template has no resource ${name}`);
    return found;
  };
  const props = (name: string) => resource(name).Properties ?? {};

  beforeAll(() => {
    template = loadTemplate(templatePath);
  });

  it('puts the function in the private subnets with its own security group', () => {
    const fn = resource('RotationFunction');
    expect(fn.Type).toBe('AWS::Serverless::Function');
    expect(props('RotationFunction').VpcConfig).toEqual({
      SubnetIds: ref('PrivateSubnetIds'),
      SecurityGroupIds: [ref('RotationFunctionSecurityGroup')],
    });
    expect(props('RotationFunctionSecurityGroup').VpcId).toEqual(ref('VpcId'));
    expect(String(props('RotationFunction').Runtime)).toMatch(/^nodejs2[24]\.x$/);
  });

  it('lets the function send 443 to the endpoint and the DB port to the database, nothing else', () => {
    const egress = props('RotationFunctionSecurityGroup').SecurityGroupEgress as Rule[];
    expect(egress).toHaveLength(2);
    expect(egress).toContainEqual(
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationSecurityGroupId: ref('SecretsManagerEndpointSecurityGroup'),
      }),
    );
    expect(egress).toContainEqual(
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: ref('DatabasePort'),
        ToPort: ref('DatabasePort'),
        DestinationSecurityGroupId: ref('DatabaseSecurityGroupId'),
      }),
    );
  });

  it('lets the database security group accept the DB port from the function', () => {
    expect(resource('DatabaseIngressFromRotation').Type).toBe('AWS::EC2::SecurityGroupIngress');
    expect(props('DatabaseIngressFromRotation')).toMatchObject({
      GroupId: ref('DatabaseSecurityGroupId'),
      IpProtocol: 'tcp',
      FromPort: ref('DatabasePort'),
      ToPort: ref('DatabasePort'),
      SourceSecurityGroupId: ref('RotationFunctionSecurityGroup'),
    });
  });

  it('creates a Secrets Manager interface endpoint with private DNS in the same subnets', () => {
    const endpoint = props('SecretsManagerEndpoint');
    expect(resource('SecretsManagerEndpoint').Type).toBe('AWS::EC2::VPCEndpoint');
    expect(endpoint).toMatchObject({
      VpcEndpointType: 'Interface',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.secretsmanager' },
      VpcId: ref('VpcId'),
      PrivateDnsEnabled: true,
      SecurityGroupIds: [ref('SecretsManagerEndpointSecurityGroup')],
    });
    // Same subnets as the function, so every function ENI's AZ has an endpoint ENI.
    expect(endpoint.SubnetIds).toEqual(
      (props('RotationFunction').VpcConfig as { SubnetIds: unknown }).SubnetIds,
    );
  });

  it("lets the endpoint's security group accept 443 from the function", () => {
    expect(props('SecretsManagerEndpointIngressFromRotation')).toMatchObject({
      GroupId: ref('SecretsManagerEndpointSecurityGroup'),
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: ref('RotationFunctionSecurityGroup'),
    });
  });

  it('lets Secrets Manager (and only it, from this account) invoke the function', () => {
    expect(props('RotationFunctionInvokePermission')).toEqual({
      FunctionName: { 'Fn::GetAtt': ['RotationFunction', 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: ref('AWS::AccountId'),
    });
  });

  it('schedules rotation with the function, after the permission exists', () => {
    const schedule = resource('SecretRotationSchedule');
    expect(schedule.DependsOn).toBe('RotationFunctionInvokePermission');
    expect(schedule.Properties).toMatchObject({
      SecretId: ref('SecretArn'),
      RotationLambdaARN: { 'Fn::GetAtt': ['RotationFunction', 'Arn'] },
      RotationRules: { ScheduleExpression: ref('RotationSchedule') },
    });
    expect(template.Parameters.RotationSchedule?.Default).toMatch(/^(rate|cron)\(/);
  });

  it('points the function at the regional Secrets Manager host that private DNS maps to the endpoint', () => {
    const env = (props('RotationFunction').Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.SECRETS_MANAGER_ENDPOINT).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax
      'Fn::Sub': 'https://secretsmanager.${AWS::Region}.${AWS::URLSuffix}',
    });
  });

  it('grants exactly the Secrets Manager actions the four steps call', () => {
    const policies = props('RotationFunction').Policies as Array<
      string | { Statement: Array<Record<string, unknown>> }
    >;
    expect(policies).toContain('AWSLambdaVPCAccessExecutionRole');
    const statements = policies.flatMap((p) => (typeof p === 'string' ? [] : p.Statement));
    const rotate = statements.find((s) => s.Sid === 'RotateThisSecret');
    expect(rotate?.Action).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(rotate?.Resource).toEqual(ref('SecretArn'));
    expect(statements.find((s) => s.Sid === 'GeneratePasswords')?.Action).toBe(
      'secretsmanager:GetRandomPassword',
    );
  });

  it('references only parameters, resources and pseudo parameters that exist', () => {
    const known = new Set([
      ...Object.keys(template.Parameters),
      ...Object.keys(template.Resources),
      'AWS::Region',
      'AWS::AccountId',
      'AWS::URLSuffix',
      'AWS::StackName',
    ]);
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'Ref' && typeof value === 'string') refs.push(value);
          else if (key === 'Fn::GetAtt' && Array.isArray(value)) refs.push(String(value[0]));
          else if (key === 'Fn::Sub' && typeof value === 'string') {
            for (const match of value.matchAll(/\$\{([^}.]+)(?:\.[^}]*)?\}/g)) refs.push(match[1]!);
          } else walk(value);
        }
      }
    };
    walk(template.Resources);
    walk(template.Outputs);
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((r) => !known.has(r))).toEqual([]);
  });
});
