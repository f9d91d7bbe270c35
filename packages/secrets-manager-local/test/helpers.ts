import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { InProcessRotationFunction } from '../src/index.js';

let counter = 0;

/** A secret name unique within the run. */
export function uniqueName(prefix = 'test'): string {
  counter++;
  return `${prefix}/${counter}-${randomUUID().slice(0, 8)}`;
}

export const token = (): string => randomUUID();

/**
 * A rotation function written like the AWS rotation template: it checks the version's
 * labels, creates the pending value, and moves AWSCURRENT in finishSecret.
 */
export function templateRotation(
  client: SecretsManagerClient,
  hooks: { set?: (password: string) => void | Promise<void>; failAt?: string } = {},
): InProcessRotationFunction {
  return async (event) => {
    const { Step: step, SecretId: arn, ClientRequestToken: versionId } = event;
    if (hooks.failAt === step) throw new Error(`failing ${step} on purpose`);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    if (!meta.RotationEnabled) throw new Error('rotation is not enabled');
    const versions = meta.VersionIdsToStages ?? {};
    const stages = versions[versionId];
    if (stages === undefined) throw new Error('version has no stage');
    if (stages.includes('AWSCURRENT')) return;
    if (!stages.includes('AWSPENDING')) throw new Error('version is not AWSPENDING');
    switch (step) {
      case 'createSecret': {
        await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }));
        try {
          await client.send(
            new GetSecretValueCommand({
              SecretId: arn,
              VersionId: versionId,
              VersionStage: 'AWSPENDING',
            }),
          );
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
          const { RandomPassword } = await client.send(
            new GetRandomPasswordCommand({ ExcludeCharacters: '"@/\\' }),
          );
          await client.send(
            new PutSecretValueCommand({
              SecretId: arn,
              ClientRequestToken: versionId,
              SecretString: JSON.stringify({ password: RandomPassword }),
              VersionStages: ['AWSPENDING'],
            }),
          );
        }
        return;
      }
      case 'setSecret': {
        const pending = await client.send(
          new GetSecretValueCommand({
            SecretId: arn,
            VersionId: versionId,
            VersionStage: 'AWSPENDING',
          }),
        );
        await hooks.set?.(JSON.parse(pending.SecretString ?? '{}').password);
        return;
      }
      case 'testSecret': {
        await client.send(
          new GetSecretValueCommand({
            SecretId: arn,
            VersionId: versionId,
            VersionStage: 'AWSPENDING',
          }),
        );
        return;
      }
      case 'finishSecret': {
        const current = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
        if (current === versionId) return;
        await client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: arn,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: versionId,
            ...(current !== undefined && { RemoveFromVersionId: current }),
          }),
        );
        return;
      }
    }
  };
}

/** Resolves after `fn` throws; returns what it threw (fails when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to throw');
}
