import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { RotationOutcome, SecretsManagerLocal } from '@rotakit/secrets-manager-local';
import { canLogin, type LoginResult, uniqueName } from '@rotakit/testing';
import { mysql } from '../src/database/mysql/driver.js';
import { createRotationHandler, type RotationHandler } from '../src/handler.js';
import type { RotationHandlerOptions, RotationStrategy } from '../src/options.js';
import { type CapturingLogger, captureLogger } from './helpers.js';

export const FUNCTION_ARN = (name: string) =>
  `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/**
 * A handler with the tests' defaults: the mysql driver, no environment, one testSecret
 * attempt and a logger that keeps what it is given (returned with it). `options` win.
 */
export function testHandler(
  client: SecretsManagerClient,
  options: Partial<RotationHandlerOptions> & { strategy: RotationStrategy },
): { handler: RotationHandler; logger: CapturingLogger } {
  const logger = captureLogger();
  const handler = createRotationHandler({
    database: mysql(),
    client,
    logger,
    env: {},
    testSecret: { attempts: 1, delayMs: 0 },
    ...options,
  } as RotationHandlerOptions);
  return { handler, logger };
}

export async function createSecret(
  client: SecretsManagerClient,
  value: Record<string, unknown> | string,
  name = uniqueName('secret'),
): Promise<{ name: string; arn: string }> {
  const created = await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }),
  );
  return { name, arn: created.ARN as string };
}

/** RotateSecret, then wait for that rotation's outcome. */
export async function rotate(
  sm: SecretsManagerLocal,
  client: SecretsManagerClient,
  secretId: string,
  functionArn?: string,
): Promise<RotationOutcome> {
  const started = await client.send(
    new RotateSecretCommand({
      SecretId: secretId,
      ...(functionArn ? { RotationLambdaARN: functionArn } : {}),
    }),
  );
  return sm.waitForRotation(secretId, { token: started.VersionId as string, timeoutMs: 60_000 });
}

export async function stagesOf(
  client: SecretsManagerClient,
  secretId: string,
): Promise<Record<string, string[]>> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return described.VersionIdsToStages ?? {};
}

export async function secretValue(
  client: SecretsManagerClient,
  secretId: string,
  selector: { stage?: string; versionId?: string } = {},
): Promise<Record<string, unknown> | undefined> {
  try {
    const value = await client.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        ...(selector.stage ? { VersionStage: selector.stage } : {}),
        ...(selector.versionId ? { VersionId: selector.versionId } : {}),
      }),
    );
    return JSON.parse(value.SecretString as string) as Record<string, unknown>;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

export function loginWith(value: Record<string, unknown> | undefined): Promise<LoginResult> {
  if (!value) return Promise.resolve({ ok: false, code: 'NO_VALUE' });
  return canLogin({
    host: String(value.host),
    port: Number(value.port),
    username: String(value.username),
    password: String(value.password),
    connectTimeoutMs: 3000,
  });
}

/** Labels per version, as `{ AWSCURRENT: id, ... }`. */
export function labels(stages: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, list] of Object.entries(stages)) for (const label of list) out[label] = id;
  return out;
}
