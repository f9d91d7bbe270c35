import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { RotationOutcome, SecretsManagerLocal } from '@rotakit/secrets-manager-local';
import {
  canLogin,
  canLoginPostgres,
  type LoginResult,
  type PostgresLoginResult,
  uniqueName,
} from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';

export type SecretJson = Record<string, unknown>;

export async function createSecret(
  client: SecretsManagerClient,
  value: SecretJson,
): Promise<{ name: string; arn: string }> {
  const name = uniqueName('example');
  const created = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
  );
  return { name, arn: String(created.ARN) };
}

/** RotateSecret with the given function, then that rotation's outcome. */
export async function rotate(
  sm: SecretsManagerLocal,
  client: SecretsManagerClient,
  secretId: string,
  functionArn: string,
): Promise<RotationOutcome> {
  const started = await client.send(
    new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: functionArn }),
  );
  return sm.waitForRotation(secretId, { token: String(started.VersionId), timeoutMs: 50_000 });
}

export async function secretValue(
  client: SecretsManagerClient,
  secretId: string,
  stage = 'AWSCURRENT',
): Promise<SecretJson> {
  const value = await client.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
  );
  return JSON.parse(String(value.SecretString)) as SecretJson;
}

export function loginWith(value: SecretJson): Promise<LoginResult> {
  return canLogin({
    host: String(value.host),
    port: Number(value.port),
    username: String(value.username),
    password: String(value.password),
    // Logging into dbname also proves the account still has its grants there.
    ...(typeof value.dbname === 'string' ? { database: value.dbname } : {}),
    connectTimeoutMs: 5000,
  });
}

/** Whether a PostgreSQL secret value logs in to the test PostgreSQL. */
export function loginWithPostgres(value: SecretJson): Promise<PostgresLoginResult> {
  return canLoginPostgres(testPostgres(), {
    username: String(value.username),
    password: String(value.password),
    database: String(value.dbname),
    connectTimeoutMs: 5000,
  });
}
