/**
 * Error types and messages against the API reference and the service model, the operations
 * the reference lists, and the reset endpoint other emulators' harnesses call. Each case names
 * the sentence it checks.
 */
import * as sdk from '@aws-sdk/client-secrets-manager';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caught, token, uniqueName } from '../helpers.js';
import { type Conformance, startConformance } from './harness.js';

let c: Conformance;

beforeAll(async () => {
  c = await startConformance();
});
afterAll(() => c?.close());

const SIGNED = (region: string) =>
  `AWS4-HMAC-SHA256 Credential=local/20261201/${region}/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

async function raw(operation: string, body: unknown, region = 'us-east-1') {
  const res = await fetch(c.sm.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `secretsmanager.${operation}`,
      authorization: SIGNED(region),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * "You can't use ClientRequestToken {token} because that value is already in use for a version
 * of secret {arn}." The API reference does not give this message (it says only that "the
 * operation fails because you cannot modify an existing version"); the wording is the issue's,
 * as other emulators answer it (moto's, checked against AWS, has no closing period).
 */
const inUse = (versionId: string, arn: string) =>
  `You can't use ClientRequestToken ${versionId} because that value is already in use for a version of secret ${arn}.`;

describe('a ClientRequestToken reused with another value', () => {
  test("CreateSecret, PutSecretValue and UpdateSecret answer ResourceExistsException with the service's message", async () => {
    const name = uniqueName('token');
    const versionId = token();
    const created = await c
      .sdk()
      .send(
        new CreateSecretCommand({ Name: name, SecretString: 'one', ClientRequestToken: versionId }),
      );
    const calls = [
      new CreateSecretCommand({ Name: name, SecretString: 'two', ClientRequestToken: versionId }),
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'two',
        ClientRequestToken: versionId,
      }),
      new UpdateSecretCommand({
        SecretId: name,
        SecretString: 'two',
        ClientRequestToken: versionId,
      }),
    ];
    for (const call of calls) {
      const error = await caught(() => c.sdk().send(call as never));
      expect(error).toBeInstanceOf(ResourceExistsException);
      expect(error.message).toBe(inUse(versionId, created.ARN!));
      expect(error.message).not.toContain('two');
    }
    const value = await c.sdk().send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.SecretString).toBe('one');
  });

  test('the AWS CLI prints the same message', async () => {
    const name = uniqueName('token-cli');
    const versionId = token();
    const created = await c.cli([
      'create-secret',
      '--name',
      name,
      '--secret-string',
      'one',
      '--client-request-token',
      versionId,
    ]);
    const failure = await c.cliFails([
      'put-secret-value',
      '--secret-id',
      name,
      '--secret-string',
      'two',
      '--client-request-token',
      versionId,
    ]);
    expect(failure.stderr).toContain('ResourceExistsException');
    expect(failure.stderr).toContain(inUse(versionId, created.ARN as string));
  });
});

describe('empty secret values', () => {
  // API reference (SecretString, SecretBinary): "Length Constraints: Minimum length of 1.
  // Maximum length of 65536." The class and message are the service framework's usual
  // validation answer for a sensitive member (its value left out), not stated in the docs.
  test.each([
    ['CreateSecret', (name: string) => ({ Name: `${name}-c`, SecretString: '' }), 'secretString'],
    ['CreateSecret', (name: string) => ({ Name: `${name}-b`, SecretBinary: '' }), 'secretBinary'],
    ['PutSecretValue', (name: string) => ({ SecretId: name, SecretString: '' }), 'secretString'],
    ['UpdateSecret', (name: string) => ({ SecretId: name, SecretString: '' }), 'secretString'],
    ['PutSecretValue', (name: string) => ({ SecretId: name, SecretBinary: '' }), 'secretBinary'],
  ])(
    '%s with an empty %s member is ValidationException and creates no version',
    async (operation, body, member) => {
      const name = uniqueName('empty');
      await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'kept' }));
      const res = await raw(operation, body(name));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        __type: 'ValidationException',
        message: `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      });
      const value = await c.sdk().send(new GetSecretValueCommand({ SecretId: name }));
      expect(value.SecretString).toBe('kept');
    },
  );
});

describe('the operations of the API reference', () => {
  const operations = Object.keys(sdk)
    .filter((key) => /^[A-Z][A-Za-z]+Command$/.test(key))
    .map((key) => key.slice(0, -'Command'.length));

  // The SDK installed here (3.1164.0) has 23 operations; the current API reference has two
  // more, for cross-account replication (AssociateCrossAccountReplica,
  // DisassociateCrossAccountReplica), which newer SDKs add.
  const CROSS_ACCOUNT = ['AssociateCrossAccountReplica', 'DisassociateCrossAccountReplica'];

  test("the installed SDK's operations are at least the 23 it has had since ValidateResourcePolicy", () => {
    expect(operations.length).toBeGreaterThanOrEqual(23);
  });

  test.each([...new Set([...operations, ...CROSS_ACCOUNT])])(
    '%s is answered (not UnknownOperationException)',
    async (operation) => {
      const res = await raw(operation, {});
      expect(res.body.__type).not.toBe('UnknownOperationException');
    },
  );

  // AssociateCrossAccountReplica: "Links a primary secret in your account to a replica secret in
  // a different AWS account". One local server is one account: refused by name, and so is
  // CreateSecret's CrossAccountPrimaryARN (ignoring it would make a standalone secret).
  test('cross-account replication is refused with InvalidRequestException, CrossAccountPrimaryARN too', async () => {
    const name = uniqueName('xacct');
    const primaryArn = 'arn:aws:secretsmanager:us-east-1:210987654321:secret:primary-AbCdEf';
    const calls = [
      raw('AssociateCrossAccountReplica', { SecretId: name, CrossAccountReplicaARN: primaryArn }),
      raw('DisassociateCrossAccountReplica', {
        SecretId: name,
        CrossAccountReplicaARN: primaryArn,
      }),
      raw('CreateSecret', { Name: name, SecretString: 'x', CrossAccountPrimaryARN: primaryArn }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(400);
      expect(res.body.__type).toBe('InvalidRequestException');
      expect(res.body.message).toMatch(/^Cross-account replication is not supported/);
    }
    const created = await caught(() => c.sdk().send(new GetSecretValueCommand({ SecretId: name })));
    expect(created.name).toBe('ResourceNotFoundException');
  });
});

describe('the Region of a request', () => {
  test('comes from the SigV4 credential scope: Credential=AKID/date/<region>/secretsmanager/aws4_request', async () => {
    const name = uniqueName('scope');
    const res = await raw('CreateSecret', { Name: name, SecretString: 'x' }, 'me-south-1');
    expect(res.body.ARN).toMatch(/^arn:aws:secretsmanager:me-south-1:123456789012:secret:/);
    const elsewhere = await raw('GetSecretValue', { SecretId: name }, 'us-east-1');
    expect(elsewhere.body.__type).toBe('ResourceNotFoundException');
    const there = await raw('GetSecretValue', { SecretId: name }, 'me-south-1');
    expect(there.body.SecretString).toBe('x');
  });
});

describe('reset endpoints', () => {
  test('POST /moto-api/reset (as moto serves it) deletes every secret; /_local/reset still does', async () => {
    for (const path of ['/moto-api/reset', '/_local/reset']) {
      const name = uniqueName('reset');
      await c.sdk('eu-west-1').send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
      const res = await fetch(`${c.sm.endpoint}${path}`, { method: 'POST' });
      expect(res.status).toBe(200);
      const gone = await caught(() =>
        c.sdk('eu-west-1').send(new GetSecretValueCommand({ SecretId: name })),
      );
      expect(gone.name).toBe('ResourceNotFoundException');
    }
    const moto = await fetch(`${c.sm.endpoint}/moto-api/reset`, { method: 'POST' });
    expect(await moto.json()).toEqual({ status: 'ok' });
    const wrongMethod = await fetch(`${c.sm.endpoint}/moto-api/reset`);
    expect(wrongMethod.status).toBe(404);
  });
});
