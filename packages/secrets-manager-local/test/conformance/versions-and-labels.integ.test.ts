/**
 * Versions and staging labels against the API reference (PutSecretValue, UpdateSecret,
 * CreateSecret, ClientRequestToken). Each case names the sentence it checks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSecretsManager } from '../../src/index.js';
import { caught, token, uniqueName } from '../helpers.js';
import { type Conformance, startConformance } from './harness.js';

let c: Conformance;
let dir: string;

beforeAll(async () => {
  c = await startConformance();
  dir = await mkdtemp(join(tmpdir(), 'sm-local-versions-'));
});
afterAll(async () => {
  await c?.close();
  await rm(dir, { recursive: true, force: true });
});

async function emptySecret(): Promise<string> {
  const name = uniqueName('ver');
  await c.sdk().send(new CreateSecretCommand({ Name: name }));
  return name;
}

async function stages(secretId: string): Promise<Record<string, string[]>> {
  const meta = await c.sdk().send(new DescribeSecretCommand({ SecretId: secretId }));
  return meta.VersionIdsToStages ?? {};
}

describe('the first version of a secret', () => {
  // PutSecretValue: "If this operation creates the first version for the secret, then Secrets
  // Manager automatically attaches the staging label AWSCURRENT to it." and "If you don't
  // include VersionStages, then Secrets Manager automatically moves the staging label
  // AWSCURRENT to this version." (That AWSCURRENT is added to the labels given rather than
  // replacing them is our reading: the reference says "attaches".)
  test.each([
    [['AWSPENDING'], ['AWSCURRENT', 'AWSPENDING']],
    [['CUSTOM'], ['AWSCURRENT', 'CUSTOM']],
    [undefined, ['AWSCURRENT']],
  ])(
    'PutSecretValue with VersionStages %j on a secret without versions gets AWSCURRENT',
    async (given, expected) => {
      const name = await emptySecret();
      const versionId = token();
      const put = await c.sdk().send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: 'first',
          ClientRequestToken: versionId,
          ...(given !== undefined && { VersionStages: given }),
        }),
      );
      expect(put.VersionStages).toEqual(expected);
      expect(await stages(name)).toEqual({ [versionId]: expected });
      const current = await c.sdk().send(new GetSecretValueCommand({ SecretId: name }));
      expect(current).toMatchObject({ VersionId: versionId, SecretString: 'first' });
    },
  );

  // Older PutSecretValue reference: "If another version of this secret already exists, then
  // this operation does not automatically move any staging labels other than those that you
  // explicitly specify in the VersionStages parameter."
  test('a later PutSecretValue with [AWSPENDING] does not move AWSCURRENT', async () => {
    const name = await emptySecret();
    const first = token();
    const second = token();
    await c
      .sdk()
      .send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'a', ClientRequestToken: first }),
      );
    await c.sdk().send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'b',
        ClientRequestToken: second,
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(await stages(name)).toEqual({ [first]: ['AWSCURRENT'], [second]: ['AWSPENDING'] });
  });

  test('the AWS CLI: put-secret-value --version-stages AWSPENDING on an empty secret', async () => {
    const name = await emptySecret();
    const out = await c.cli([
      'put-secret-value',
      '--secret-id',
      name,
      '--secret-string',
      'cli-first',
      '--version-stages',
      'AWSPENDING',
    ]);
    expect(out.VersionStages).toEqual(['AWSCURRENT', 'AWSPENDING']);
    const value = await c.cli(['get-secret-value', '--secret-id', name]);
    expect(value.SecretString).toBe('cli-first');
  });
});

describe('ClientRequestToken', () => {
  // ClientRequestToken: "If a version with this value already exists and the version
  // SecretString and SecretBinary values are the same as those in the request, then the request
  // is ignored."
  test('the same token and the same value again is ignored: no new version', async () => {
    const name = await emptySecret();
    const versionId = token();
    const put = () =>
      c.sdk().send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: 'same',
          ClientRequestToken: versionId,
        }),
      );
    await put();
    const again = await put();
    expect(again.VersionId).toBe(versionId);
    expect(Object.keys(await stages(name))).toEqual([versionId]);
  });

  // PutSecretValue: "This operation is idempotent. If you call this operation with a
  // ClientRequestToken that matches an existing version's VersionId, and you specify the same
  // secret data, the operation succeeds but does nothing. However, if the secret data is
  // different, then the operation fails because you cannot modify an existing version". That a
  // failed UpdateSecret leaves its Description unapplied is not stated: a failed call changes
  // nothing (the rule).
  test('UpdateSecret with a reused token holding another value fails and changes nothing, on disk either', async () => {
    const dataFile = join(dir, 'update.json');
    const name = 'ver/update-atomic';
    const versionId = token();
    {
      await using sm = await startSecretsManager({ dataFile });
      const client = sm.client({ maxAttempts: 1 });
      await client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: 'v1',
          Description: 'before',
          ClientRequestToken: versionId,
        }),
      );
      const error = await caught(() =>
        client.send(
          new UpdateSecretCommand({
            SecretId: name,
            SecretString: 'other',
            Description: 'after',
            ClientRequestToken: versionId,
          }),
        ),
      );
      expect(error).toBeInstanceOf(ResourceExistsException);
      const live = await client.send(new DescribeSecretCommand({ SecretId: name }));
      expect(live.Description).toBe('before');
    }
    await using restarted = await startSecretsManager({ dataFile });
    const meta = await restarted
      .client({ maxAttempts: 1 })
      .send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.Description).toBe('before');
    expect(meta.VersionIdsToStages).toEqual({ [versionId]: ['AWSCURRENT'] });
  });
});
