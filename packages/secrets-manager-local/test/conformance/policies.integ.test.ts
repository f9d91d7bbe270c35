/**
 * Resource policies against the API reference (GetResourcePolicy, PutResourcePolicy,
 * DeleteResourcePolicy, ValidateResourcePolicy). Each case names the sentence it checks.
 */
import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  InvalidParameterException,
  MalformedPolicyDocumentException,
  PublicPolicyException,
  PutResourcePolicyCommand,
  ReplicateSecretToRegionsCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caught, uniqueName } from '../helpers.js';
import { type Conformance, startConformance } from './harness.js';

let c: Conformance;

beforeAll(async () => {
  c = await startConformance();
});
afterAll(() => c?.close());

const statement = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:role/app' },
  Action: 'secretsmanager:GetSecretValue',
  Resource: '*',
  ...extra,
});
const policy = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const PUBLIC = policy(statement({ Principal: '*' }));

async function secret(): Promise<string> {
  const name = uniqueName('policy');
  await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  return name;
}

describe('resource policies', () => {
  test('PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy round-trip the document', async () => {
    const name = await secret();
    const document = policy(statement());
    await c.sdk().send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: document }));
    const got = await c.sdk().send(new GetResourcePolicyCommand({ SecretId: name }));
    expect(got).toMatchObject({ Name: name, ResourcePolicy: document });
    await c.sdk().send(new DeleteResourcePolicyCommand({ SecretId: name }));
    const after = await c.sdk().send(new GetResourcePolicyCommand({ SecretId: name }));
    expect(after.Name).toBe(name);
    expect(after.ResourcePolicy).toBeUndefined();
  });

  // MalformedPolicyDocumentException: "The resource policy has syntax errors."
  test.each([
    ['not JSON', '{"Statement": ['],
    ['a JSON array', '[]'],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
    ['a Statement without Effect', policy({ Principal: '*', Action: 'secretsmanager:*' })],
    ['an Effect other than Allow or Deny', policy(statement({ Effect: 'Maybe' }))],
    ['a Statement without Principal', policy({ Effect: 'Allow', Action: 'secretsmanager:*' })],
    ['a Statement without Action', policy({ Effect: 'Allow', Principal: '*' })],
  ])(
    'PutResourcePolicy with %s is MalformedPolicyDocumentException and stores nothing',
    async (_what, document) => {
      const name = await secret();
      const error = await caught(() =>
        c.sdk().send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: document })),
      );
      expect(error).toBeInstanceOf(MalformedPolicyDocumentException);
      const got = await c.sdk().send(new GetResourcePolicyCommand({ SecretId: name }));
      expect(got.ResourcePolicy).toBeUndefined();
    },
  );

  // BlockPublicPolicy: "Specifies whether to block resource-based policies that allow broad
  // access to the secret, for example those that use a wildcard for the principal."
  test('BlockPublicPolicy refuses "Principal": "*" without a Condition (PublicPolicyException)', async () => {
    const name = await secret();
    for (const document of [PUBLIC, policy(statement({ Principal: { AWS: '*' } }))]) {
      const error = await caught(() =>
        c.sdk().send(
          new PutResourcePolicyCommand({
            SecretId: name,
            ResourcePolicy: document,
            BlockPublicPolicy: true,
          }),
        ),
      );
      expect(error).toBeInstanceOf(PublicPolicyException);
    }
    const restricted = policy(
      statement({
        Principal: '*',
        Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } },
      }),
    );
    await c.sdk().send(
      new PutResourcePolicyCommand({
        SecretId: name,
        ResourcePolicy: restricted,
        BlockPublicPolicy: true,
      }),
    );
    // Without BlockPublicPolicy the public policy is accepted, as in the service.
    await c.sdk().send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: PUBLIC }));
    const got = await c.sdk().send(new GetResourcePolicyCommand({ SecretId: name }));
    expect(got.ResourcePolicy).toBe(PUBLIC);
  });

  // ValidateResourcePolicy: "Validates that a resource policy does not grant a wide range of
  // principals access to your secret."
  test('ValidateResourcePolicy: PolicyValidationPassed and ValidationErrors', async () => {
    const name = await secret();
    const passed = await c
      .sdk()
      .send(
        new ValidateResourcePolicyCommand({ SecretId: name, ResourcePolicy: policy(statement()) }),
      );
    expect(passed).toMatchObject({ PolicyValidationPassed: true, ValidationErrors: [] });
    const broad = await c.sdk().send(new ValidateResourcePolicyCommand({ ResourcePolicy: PUBLIC }));
    expect(broad.PolicyValidationPassed).toBe(false);
    expect(broad.ValidationErrors?.[0]).toMatchObject({ CheckName: 'BROAD_ACCESS_CHECK' });
    const noEffect = await c.sdk().send(
      new ValidateResourcePolicyCommand({
        ResourcePolicy: policy({ Principal: '*', Action: '*' }),
      }),
    );
    expect(noEffect.PolicyValidationPassed).toBe(false);
    expect(noEffect.ValidationErrors?.length).toBeGreaterThan(0);
    const malformed = await caught(() =>
      c.sdk().send(new ValidateResourcePolicyCommand({ ResourcePolicy: 'not json' })),
    );
    expect(malformed).toBeInstanceOf(MalformedPolicyDocumentException);
  });

  // User guide: "Secrets Manager replicates the encrypted secret data and metadata such as tags
  // and resource policies across the specified Regions." Changing a replica's policy is
  // refused as the service answers PutResourcePolicy on a replica in a published error log:
  // "InvalidParameterException: Operation not permitted on a replica secret. Call must be made
  // in primary secret's region."
  test("a replica shows its primary's policy and refuses to change it", async () => {
    const name = await secret();
    const document = policy(statement());
    await c.sdk().send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: document }));
    await c.sdk().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: name,
        AddReplicaRegions: [{ Region: 'eu-west-1' }],
      }),
    );
    const got = await c.sdk('eu-west-1').send(new GetResourcePolicyCommand({ SecretId: name }));
    expect(got.ResourcePolicy).toBe(document);
    const writes = [
      new DeleteResourcePolicyCommand({ SecretId: name }),
      new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: policy(statement()) }),
    ];
    for (const write of writes) {
      const error = await caught(() => c.sdk('eu-west-1').send(write as never));
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect(error.message).toMatch(/^Operation not permitted on a replica secret\./);
    }
  });

  test('the AWS CLI: put-resource-policy --block-public-policy and get-resource-policy', async () => {
    const name = await secret();
    const refused = await c.cliFails([
      'put-resource-policy',
      '--secret-id',
      name,
      '--resource-policy',
      PUBLIC,
      '--block-public-policy',
    ]);
    expect(refused.stderr).toContain('PublicPolicyException');
    const document = policy(statement());
    await c.cli(['put-resource-policy', '--secret-id', name, '--resource-policy', document]);
    const got = await c.cli(['get-resource-policy', '--secret-id', name]);
    expect(got.ResourcePolicy).toBe(document);
    const validated = await c.cli(['validate-resource-policy', '--resource-policy', document]);
    expect(validated.PolicyValidationPassed).toBe(true);
  });
});
