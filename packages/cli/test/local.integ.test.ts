import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { rotakit, startRotakit } from './helpers.js';

describe('rotakit local', () => {
  it('prints one listening line, serves the real SDK, and stops cleanly', async () => {
    const controller = new AbortController();
    const { result, stdout } = startRotakit(['local', '--port', '0'], {
      signal: controller.signal,
    });
    let endpoint: string | undefined;
    for (let i = 0; i < 100 && !endpoint; i++) {
      endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout.text)?.[1];
      if (!endpoint) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(endpoint).toBeDefined();
    const client = new SecretsManagerClient({
      endpoint: endpoint!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(new CreateSecretCommand({ Name: 'local/a', SecretString: 'v' }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: 'local/a' }));
    expect(got.SecretString).toBe('v');
    client.destroy();
    controller.abort();
    const run = await result;
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('passes --region and --account-id to the server (ARNs), and --json prints one listening document', async () => {
    const controller = new AbortController();
    const { result, stdout } = startRotakit(
      ['local', '--port', '0', '--region', 'eu-west-1', '--account-id', '111122223333', '--json'],
      { signal: controller.signal },
    );
    let listening: { ok: boolean; endpoint: string; region: string } | undefined;
    for (let i = 0; i < 100 && !listening; i++) {
      if (stdout.text.trim().endsWith('}')) listening = JSON.parse(stdout.text);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(listening).toMatchObject({ ok: true, region: 'eu-west-1' });
    const client = new SecretsManagerClient({
      endpoint: listening!.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const created = await client.send(
      new CreateSecretCommand({ Name: 'local/b', SecretString: 'v' }),
    );
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:111122223333:secret:local\/b-/);
    client.destroy();
    controller.abort();
    expect((await result).code).toBe(0);
  });

  it('--help lists every option that works, --region and --account-id included', async () => {
    const run = await rotakit(['local', '--help']);
    expect(run.code).toBe(0);
    for (const option of [
      '--port',
      '--host',
      '--region',
      '--account-id',
      '--data',
      '--rotation-function',
      '--rotation-timeout-ms',
      '--tick-interval-ms',
      '--json',
    ]) {
      expect(run.stdout).toContain(option);
    }
    // Global options that do nothing here are not offered.
    expect(run.stdout).not.toContain('--endpoint-url');
    expect(run.stdout).not.toContain('--profile');
  });

  it("reports a bad option in its own terms: exit 2, the rotakit flag, no other program's usage", async () => {
    const cases: Array<[string[], string]> = [
      [['--port', 'abc'], '--port must be a whole number'],
      [['--port', '70000'], '--port'],
      [['--region', 'not a region'], '--region'],
      [['--account-id', '12'], '--account-id'],
      [['--rotation-function', 'no-equals-sign'], '--rotation-function must be <arn>=<url>'],
      [['--tick-interval-ms', '-5'], '--tick-interval-ms must be a whole number'],
    ];
    for (const [args, message] of cases) {
      const run = await rotakit(['local', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('secrets-manager-local');
      expect(run.stderr).not.toMatch(/`(port|region|accountId)`/);
      expect(run.stdout).toBe('');
    }
  });
});
