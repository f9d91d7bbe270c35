import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type SecretsManagerLocal,
  type StartSecretsManagerOptions,
  startSecretsManager,
} from '../../src/index.js';

const run = promisify(execFile);

/** A CLI failure: its exit code and the service error code it printed. */
export interface CliFailure {
  readonly exitCode: number;
  readonly stderr: string;
}

export interface Conformance {
  readonly sm: SecretsManagerLocal;
  /** A real SDK client signing for `region` (default: the server's default region). */
  sdk(region?: string): SecretsManagerClient;
  /** `aws secretsmanager <args>` with `--endpoint-url` and `--region`; parsed JSON output. */
  cli(args: readonly string[], region?: string): Promise<Record<string, unknown>>;
  /** Like `cli`, for a call that must fail: resolves with the failure (rejects on success). */
  cliFails(args: readonly string[], region?: string): Promise<CliFailure>;
  close(): Promise<void>;
}

/** The real AWS CLI is a requirement of the conformance tests, not an optional extra. */
async function requireAwsCli(): Promise<void> {
  try {
    await run('aws', ['--version']);
  } catch (cause) {
    throw new Error('The AWS CLI (`aws`) is required by the conformance tests and is not on PATH', {
      cause,
    });
  }
}

/** A local Secrets Manager with SDK clients per region and the AWS CLI pointed at it. */
export async function startConformance(
  options: StartSecretsManagerOptions = {},
): Promise<Conformance> {
  await requireAwsCli();
  const sm = await startSecretsManager(options);
  const clients = new Map<string, SecretsManagerClient>();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const argv = (args: readonly string[], region: string) => [
    '--endpoint-url',
    sm.endpoint,
    '--region',
    region,
    '--output',
    'json',
    'secretsmanager',
    ...args,
  ];
  return {
    sm,
    sdk(region = sm.region) {
      let client = clients.get(region);
      if (client === undefined) {
        client = sm.client({ region, maxAttempts: 1 });
        clients.set(region, client);
      }
      return client;
    },
    async cli(args, region = sm.region) {
      const { stdout } = await run('aws', argv(args, region), { env });
      return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
    },
    async cliFails(args, region = sm.region) {
      try {
        await run('aws', argv(args, region), { env });
      } catch (error) {
        const { code, stderr } = error as { code: number; stderr: string };
        return { exitCode: code, stderr };
      }
      throw new Error(`expected aws secretsmanager ${args[0]} to fail`);
    },
    close: () => sm.close(),
  };
}
