import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SecretsManagerLocal, startSecretsManager } from '../src/index.js';
import { caught, token, uniqueName } from './helpers.js';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm.close());

async function create(value = 'v1', name = uniqueName()) {
  const versionId = token();
  const created = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: versionId }),
  );
  return { name, arn: created.ARN!, versionId };
}

async function put(secretId: string, value: string, stages?: string[]) {
  const versionId = token();
  const res = await client.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      SecretString: value,
      ClientRequestToken: versionId,
      ...(stages && { VersionStages: stages }),
    }),
  );
  expect(res.VersionId).toBe(versionId);
  return versionId;
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const meta = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return meta.VersionIdsToStages ?? {};
}

describe('CreateSecret', () => {
  test('with a value creates the first version labelled AWSCURRENT', async () => {
    const { name, arn, versionId } = await create('hello');
    expect(arn).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-[A-Za-z0-9]{6}$`),
    );
    const got = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got).toMatchObject({
      ARN: arn,
      Name: name,
      VersionId: versionId,
      SecretString: 'hello',
      VersionStages: ['AWSCURRENT'],
    });
    expect(got.CreatedDate).toBeInstanceOf(Date);
    expect(got.SecretBinary).toBeUndefined();
  });

  test('without a value creates a secret with no versions', async () => {
    const name = uniqueName();
    const created = await client.send(new CreateSecretCommand({ Name: name }));
    expect(created.VersionId).toBeUndefined();
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.VersionIdsToStages).toBeUndefined();
    const error = await caught(() => client.send(new GetSecretValueCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
  });

  test('SecretBinary round-trips as bytes', async () => {
    const name = uniqueName();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await client.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBeUndefined();
    expect(Buffer.from(got.SecretBinary!)).toEqual(Buffer.from(bytes));
  });

  test('a taken name is ResourceExistsException', async () => {
    const { name } = await create();
    const error = await caught(() =>
      client.send(new CreateSecretCommand({ Name: name, SecretString: 'other' })),
    );
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error.message).toBe(`The operation failed because the secret ${name} already exists.`);
  });

  test('the same token and value again is idempotent; a different value is refused', async () => {
    const name = uniqueName();
    const versionId = token();
    const first = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'same', ClientRequestToken: versionId }),
    );
    const again = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'same', ClientRequestToken: versionId }),
    );
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: versionId });
    const error = await caught(() =>
      client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: 'changed',
          ClientRequestToken: versionId,
        }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceExistsException);
  });

  test.each([
    ['space', 'has space'],
    ['colon', 'a:b'],
    ['hash', 'a#b'],
    ['unicode', 'naïve'],
  ])('a name with a %s is InvalidParameterException', async (_, name) => {
    const error = await caught(() =>
      client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toMatch(/^Invalid name/);
  });

  test('a name over 512 characters fails validation', async () => {
    const error = await caught(() =>
      client.send(new CreateSecretCommand({ Name: 'a'.repeat(513), SecretString: 'x' })),
    );
    expect(error.name).toBe('ValidationException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  test('all allowed name characters are accepted', async () => {
    const name = `${uniqueName()}/A-z_0+9=.@`;
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.Name).toBe(name);
  });

  test('SecretString and SecretBinary together are refused', async () => {
    const error = await caught(() =>
      client.send(
        new CreateSecretCommand({
          Name: uniqueName(),
          SecretString: 'x',
          SecretBinary: new Uint8Array([1]),
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
  });

  test('a SecretString of 65,536 bytes is accepted and one byte more is refused without echoing it', async () => {
    const ok = uniqueName();
    await client.send(new CreateSecretCommand({ Name: ok, SecretString: 'a'.repeat(65_536) }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: ok }));
    expect(got.SecretString).toHaveLength(65_536);
    const secret = `S3cr3t-${'b'.repeat(65_530)}`;
    const error = await caught(() =>
      client.send(new CreateSecretCommand({ Name: uniqueName(), SecretString: secret })),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'secretString'");
    expect(error.message).not.toContain('S3cr3t');
  });

  test('multi-byte characters count as bytes against the 65,536 limit', async () => {
    const error = await caught(() =>
      client.send(
        new CreateSecretCommand({ Name: uniqueName(), SecretString: 'é'.repeat(40_000) }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });

  test('a SecretBinary over 65,536 bytes is refused', async () => {
    const error = await caught(() =>
      client.send(
        new CreateSecretCommand({ Name: uniqueName(), SecretBinary: new Uint8Array(65_537) }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });

  test('a name scheduled for deletion cannot be reused', async () => {
    const { name } = await create();
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const error = await caught(() =>
      client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' })),
    );
    expect(error).toBeInstanceOf(InvalidRequestException);
  });
});

describe('SecretId forms', () => {
  test('name, full ARN and partial ARN all find the secret', async () => {
    const { name, arn } = await create('by-id');
    const partial = arn.slice(0, -7);
    for (const id of [name, arn, partial]) {
      const got = await client.send(new GetSecretValueCommand({ SecretId: id }));
      expect(got.SecretString).toBe('by-id');
    }
  });

  test('a full ARN with the wrong suffix, region or account is not found', async () => {
    const { arn } = await create();
    const wrong = [
      `${arn.slice(0, -6)}ZZZZZZ`,
      arn.replace('us-east-1', 'eu-west-1'),
      arn.replace('123456789012', '210987654321'),
    ];
    for (const id of wrong) {
      const error = await caught(() => client.send(new GetSecretValueCommand({ SecretId: id })));
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    }
  });

  test('an unknown name is ResourceNotFoundException', async () => {
    const error = await caught(() =>
      client.send(new GetSecretValueCommand({ SecretId: uniqueName('missing') })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  test('an empty SecretId fails validation', async () => {
    const error = await caught(() => client.send(new GetSecretValueCommand({ SecretId: '' })));
    expect(error.name).toBe('ValidationException');
  });
});

describe('GetSecretValue', () => {
  test('reads by VersionId, by VersionStage, and by both when they agree', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two');
    const byId = await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: v1 }));
    expect(byId).toMatchObject({ SecretString: 'one', VersionStages: ['AWSPREVIOUS'] });
    const byStage = await client.send(
      new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }),
    );
    expect(byStage.VersionId).toBe(v1);
    const both = await client.send(
      new GetSecretValueCommand({ SecretId: name, VersionId: v2, VersionStage: 'AWSCURRENT' }),
    );
    expect(both.SecretString).toBe('two');
  });

  test('VersionId and VersionStage naming different versions is ResourceNotFoundException', async () => {
    const { name, versionId: v1 } = await create('one');
    await put(name, 'two');
    const error = await caught(() =>
      client.send(
        new GetSecretValueCommand({ SecretId: name, VersionId: v1, VersionStage: 'AWSCURRENT' }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  test('an unknown staging label or version is ResourceNotFoundException naming it', async () => {
    const { name } = await create();
    const stage = await caught(() =>
      client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'NOPE' })),
    );
    expect(stage).toBeInstanceOf(ResourceNotFoundException);
    expect(stage.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: NOPE",
    );
    const missing = token();
    const version = await caught(() =>
      client.send(new GetSecretValueCommand({ SecretId: name, VersionId: missing })),
    );
    expect(version).toBeInstanceOf(ResourceNotFoundException);
    expect(version.message).toContain(missing);
  });

  test('a secret scheduled for deletion is InvalidRequestException', async () => {
    const { name } = await create();
    await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const error = await caught(() => client.send(new GetSecretValueCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.message).toMatch(/marked for deletion/);
  });

  test('records LastAccessedDate as a day on the secret and the version', async () => {
    const { name, versionId } = await create();
    const before = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(before.LastAccessedDate).toBeUndefined();
    await client.send(new GetSecretValueCommand({ SecretId: name }));
    const after = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(after.LastAccessedDate!.getTime() % 86_400_000).toBe(0);
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(versions.Versions?.find((v) => v.VersionId === versionId)?.LastAccessedDate).toEqual(
      after.LastAccessedDate,
    );
  });
});

describe('PutSecretValue', () => {
  test('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two');
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
    const v3 = await put(name, 'three');
    expect(await stagesOf(name)).toEqual({ [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT'] });
    const all = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }),
    );
    expect(all.Versions?.find((v) => v.VersionId === v1)?.VersionStages).toEqual([]);
    const labelled = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(labelled.Versions?.map((v) => v.VersionId).sort()).toEqual([v2, v3].sort());
  });

  test('the same token and value is a no-op; the same token with another value is refused', async () => {
    const { name } = await create('one');
    const versionId = token();
    const first = await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: versionId,
        SecretString: 'two',
      }),
    );
    const again = await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: versionId,
        SecretString: 'two',
      }),
    );
    expect(again).toMatchObject({ VersionId: first.VersionId, VersionStages: ['AWSCURRENT'] });
    const versions = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }),
    );
    expect(versions.Versions).toHaveLength(2);
    const error = await caught(() =>
      client.send(
        new PutSecretValueCommand({
          SecretId: name,
          ClientRequestToken: versionId,
          SecretString: 'three',
        }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error.message).not.toContain('three');
  });

  test('VersionStages AWSPENDING leaves AWSCURRENT where it is', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two', ['AWSPENDING']);
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSCURRENT'], [v2]: ['AWSPENDING'] });
    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.SecretString).toBe('one');
  });

  test('a custom label moves off the version that had it', async () => {
    const { name } = await create();
    const a = await put(name, 'a', ['blue']);
    const b = await put(name, 'b', ['blue']);
    const stages = await stagesOf(name);
    expect(stages[b]).toEqual(['blue']);
    expect(stages[a]).toBeUndefined();
  });

  test('without a value is InvalidRequestException', async () => {
    const { name } = await create();
    const error = await caught(() => client.send(new PutSecretValueCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(InvalidRequestException);
  });

  test('a ClientRequestToken shorter than 32 characters fails validation', async () => {
    const { name } = await create();
    const error = await caught(() =>
      client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: 'x',
          ClientRequestToken: 'short',
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });

  test('a deleted secret is InvalidRequestException', async () => {
    const { name } = await create();
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const error = await caught(() =>
      client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'x' })),
    );
    expect(error).toBeInstanceOf(InvalidRequestException);
  });

  test('keeps at most 100 versions, dropping the oldest deprecated ones', async () => {
    const { name, versionId: first } = await create('0');
    let last = first;
    for (let i = 1; i <= 105; i++) last = await put(name, String(i));
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListSecretVersionIdsCommand({
          SecretId: name,
          IncludeDeprecated: true,
          MaxResults: 40,
          NextToken: nextToken,
        }),
      );
      seen.push(...(page.Versions ?? []).map((v) => v.VersionId!));
      nextToken = page.NextToken;
    } while (nextToken);
    expect(seen).toHaveLength(100);
    expect(seen).not.toContain(first);
    expect(seen).toContain(last);
    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.SecretString).toBe('105');
  });
});

describe('UpdateSecretVersionStage', () => {
  test('moving AWSCURRENT with RemoveFromVersionId puts AWSPREVIOUS on the old version', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two', ['AWSPENDING']);
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v2,
        RemoveFromVersionId: v1,
      }),
    );
    expect(await stagesOf(name)).toEqual({
      [v1]: ['AWSPREVIOUS'],
      [v2]: ['AWSCURRENT', 'AWSPENDING'],
    });
  });

  test('moving a label that sits elsewhere without RemoveFromVersionId is InvalidParameterException', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two', ['AWSPENDING']);
    const error = await caught(() =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v2,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe(
      `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${v1}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  });

  test('a RemoveFromVersionId that does not hold the label is InvalidParameterException', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two', ['AWSPENDING']);
    const v3 = await put(name, 'three', ['other']);
    const error = await caught(() =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v2,
          RemoveFromVersionId: v3,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((await stagesOf(name))[v1]).toEqual(['AWSCURRENT']);
  });

  test('a label not attached anywhere moves without RemoveFromVersionId', async () => {
    const { name, versionId: v1 } = await create('one');
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'green',
        MoveToVersionId: v1,
      }),
    );
    expect((await stagesOf(name))[v1]).toEqual(['AWSCURRENT', 'green']);
  });

  test('moving a label onto the version that already has it changes nothing', async () => {
    const { name, versionId: v1 } = await create('one');
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v1,
      }),
    );
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSCURRENT'] });
  });

  test('only RemoveFromVersionId removes a label; removing AWSCURRENT alone is refused', async () => {
    const { name, versionId: v1 } = await create('one');
    const v2 = await put(name, 'two', ['AWSPENDING']);
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: v2,
      }),
    );
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSCURRENT'] });
    const error = await caught(() =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: v1,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
  });

  test('an unknown MoveToVersionId, or neither version id, is InvalidParameterException', async () => {
    const { name } = await create('one');
    const unknown = await caught(() =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'x',
          MoveToVersionId: token(),
        }),
      ),
    );
    expect(unknown).toBeInstanceOf(InvalidParameterException);
    const neither = await caught(() =>
      client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'x' })),
    );
    expect(neither).toBeInstanceOf(InvalidParameterException);
  });

  test('a deleted secret is InvalidRequestException', async () => {
    const { name, versionId } = await create();
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const error = await caught(() =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'x',
          MoveToVersionId: versionId,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidRequestException);
  });
});

describe('DescribeSecret and ListSecretVersionIds', () => {
  test('unset fields are absent', async () => {
    const { name, arn, versionId } = await create();
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta).toMatchObject({
      ARN: arn,
      Name: name,
      VersionIdsToStages: { [versionId]: ['AWSCURRENT'] },
    });
    expect(meta.CreatedDate).toBeInstanceOf(Date);
    expect(meta.LastChangedDate).toBeInstanceOf(Date);
    for (const field of [
      'Description',
      'KmsKeyId',
      'RotationEnabled',
      'RotationLambdaARN',
      'RotationRules',
      'LastRotatedDate',
      'DeletedDate',
      'NextRotationDate',
      'Tags',
      'OwningService',
      'PrimaryRegion',
    ] as const) {
      expect(meta[field], field).toBeUndefined();
    }
  });

  test('describes a secret scheduled for deletion with its DeletedDate', async () => {
    const { name } = await create();
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.DeletedDate).toBeInstanceOf(Date);
  });

  test('ListSecretVersionIds pages with MaxResults and NextToken', async () => {
    const { name } = await create('0');
    await put(name, '1', ['a']);
    await put(name, '2', ['b']);
    const first = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: name, MaxResults: 2 }),
    );
    expect(first.Versions).toHaveLength(2);
    expect(first.NextToken).toBeTypeOf('string');
    const second = await client.send(
      new ListSecretVersionIdsCommand({
        SecretId: name,
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Versions).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const bad = await caught(() =>
      client.send(new ListSecretVersionIdsCommand({ SecretId: name, NextToken: 'garbage!' })),
    );
    expect(bad).toBeInstanceOf(InvalidParameterException);
  });
});
