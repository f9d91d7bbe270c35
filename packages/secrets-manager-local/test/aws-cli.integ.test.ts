import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SecretsManagerLocal, startSecretsManager } from '../src/index.js';
import { templateRotation, token } from './helpers.js';

const run = promisify(execFile);
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:cli-rotation';

let sm: SecretsManagerLocal;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  try {
    await run('aws', ['--version']);
  } catch (cause) {
    throw new Error(
      'The AWS CLI (`aws`) is required by this test and was not found on PATH; install aws-cli to run it.',
      { cause },
    );
  }
  sm = await startSecretsManager();
  sm.registerRotationFunction(FN, templateRotation(sm.client({ maxAttempts: 1 })));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: sm.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
});
afterAll(() => sm?.close());

async function aws(args: string[], extraEnv: NodeJS.ProcessEnv = {}, endpoint = true) {
  const { stdout } = await run(
    'aws',
    [
      ...(endpoint ? ['--endpoint-url', sm.endpoint] : []),
      '--output',
      'json',
      'secretsmanager',
      ...args,
    ],
    { env: { ...env, ...extraEnv } },
  );
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

describe('the AWS CLI against the local endpoint', () => {
  test('create, get, put, update-version-stage, describe and list versions', async () => {
    const name = `cli/${token().slice(0, 8)}`;
    const v1 = token();
    const created = await aws([
      'create-secret',
      '--name',
      name,
      '--secret-string',
      'one',
      '--client-request-token',
      v1,
    ]);
    expect(created).toMatchObject({ Name: name, VersionId: v1 });
    expect(await aws(['get-secret-value', '--secret-id', name])).toMatchObject({
      SecretString: 'one',
      VersionStages: ['AWSCURRENT'],
    });
    const v2 = token();
    const put = await aws([
      'put-secret-value',
      '--secret-id',
      name,
      '--secret-string',
      'two',
      '--client-request-token',
      v2,
      '--version-stages',
      'AWSPENDING',
    ]);
    expect(put).toMatchObject({ VersionId: v2, VersionStages: ['AWSPENDING'] });
    await aws([
      'update-secret-version-stage',
      '--secret-id',
      created.ARN as string,
      '--version-stage',
      'AWSCURRENT',
      '--move-to-version-id',
      v2,
      '--remove-from-version-id',
      v1,
    ]);
    const described = await aws(['describe-secret', '--secret-id', name]);
    expect(described.VersionIdsToStages).toEqual({
      [v1]: ['AWSPREVIOUS'],
      [v2]: ['AWSCURRENT', 'AWSPENDING'],
    });
    expect(typeof described.CreatedDate).toBe('number');
    const versions = await aws(['list-secret-version-ids', '--secret-id', name]);
    expect((versions.Versions as unknown[]).length).toBe(2);
    expect(await aws(['get-secret-value', '--secret-id', name])).toMatchObject({
      SecretString: 'two',
    });
  });

  test('rotate-secret runs the registered rotation function', async () => {
    const name = `cli/rotate-${token().slice(0, 8)}`;
    await aws(['create-secret', '--name', name, '--secret-string', '{"password":"a"}']);
    const rotated = await aws(['rotate-secret', '--secret-id', name, '--rotation-lambda-arn', FN]);
    const outcome = await sm.waitForRotation(name, { timeoutMs: 30_000 });
    expect(outcome.status).toBe('succeeded');
    const current = await aws(['get-secret-value', '--secret-id', name]);
    expect(current.VersionId).toBe(rotated.VersionId);
    const described = await aws(['describe-secret', '--secret-id', name]);
    expect(described).toMatchObject({ RotationEnabled: true, RotationLambdaARN: FN });
  });

  test('errors reach the CLI with the service error code', async () => {
    const failure = await aws(['get-secret-value', '--secret-id', 'cli/does-not-exist']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    // aws-cli v1 exits 255 on a service error (v2 exits 254).
    expect([254, 255]).toContain((failure as { code: number }).code);
    expect((failure as { stderr: string }).stderr).toContain('ResourceNotFoundException');
  });

  test('get-random-password and AWS_ENDPOINT_URL_SECRETS_MANAGER instead of --endpoint-url', async () => {
    const res = await aws(
      ['get-random-password', '--password-length', '20', '--exclude-punctuation'],
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
      false,
    );
    expect(res.RandomPassword).toMatch(/^[A-Za-z0-9]{20}$/);
  });
});
