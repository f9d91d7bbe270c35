import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';

// Hermetic: no Region from the developer's own ~/.aws/config.
const NO_CONFIG = { AWS_CONFIG_FILE: '/nonexistent/rotakit-test-config', HOME: '/nonexistent' };

describe('rotakit: Region, endpoint and errors as one JSON document', () => {
  let sm: SecretsManagerLocal;
  const name = 'cli/region-secret';

  beforeAll(async () => {
    sm = await startSecretsManager({ region: 'eu-west-1' });
    const db = testMysql();
    const value = {
      engine: 'mysql',
      host: db.host,
      port: db.port,
      username: 'u',
      password: 'p-Pw1',
    };
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  });
  afterAll(async () => {
    await sm?.close();
  });

  it('honours AWS_DEFAULT_REGION in status and netcheck', async () => {
    const env = {
      ...NO_CONFIG,
      // The local endpoint keeps secrets per Region, as AWS does: this one is in eu-west-1.
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    };
    const status = await rotakit(['status', name, '--json'], { env });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const netcheck = await rotakit(['netcheck', '--secret', name, '--json'], { env });
    expect(netcheck.stderr).not.toContain('Region is missing');
    expect(JSON.parse(netcheck.stdout).target.region).toBe('eu-west-1');
    expect(netcheck.code).toBe(0);
  });

  it('says where it looked when nothing sets the Region (exit 3)', async () => {
    const missing = await rotakit(['status', name, '--json'], { env: NO_CONFIG });
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      ok: false,
      error: { name: 'RegionMissingError', exitCode: 3, profile: 'default' },
    });
    expect(missing.stderr).toContain('AWS_DEFAULT_REGION');
  });

  it('names the Region and endpoint it looked in for an unknown secret (exit 3, one JSON document)', async () => {
    const env = { ...NO_CONFIG, AWS_REGION: 'eu-west-1' };
    const run = await rotakit(['status', 'cli/nope', '--endpoint-url', sm.endpoint, '--json'], {
      env,
    });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      error: {
        name: 'AwsApiError',
        message: expect.stringContaining('ResourceNotFoundException'),
        exitCode: 3,
        operation: 'DescribeSecret',
        errorName: 'ResourceNotFoundException',
        region: 'eu-west-1',
        endpoint: sm.endpoint,
      },
    });
    expect(run.stderr).toContain(`(region eu-west-1, endpoint ${sm.endpoint})`);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([[['status', name]], [['netcheck', '--secret', name]], [['rotate', name]]])(
    '%j with a malformed --endpoint-url is a usage error naming the flag (exit 2)',
    async (args) => {
      for (const url of ['notaurl', '127.0.0.1:33589']) {
        const run = await rotakit([...args, '--endpoint-url', url], { env: NO_CONFIG });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('--endpoint-url must be an http:// or https:// URL');
        expect(run.stderr).not.toMatch(/Region|credentials|Invalid URL/);
        const json = await rotakit([...args, '--endpoint-url', url, '--json'], { env: NO_CONFIG });
        expect(JSON.parse(json.stdout)).toMatchObject({
          ok: false,
          error: { name: 'UsageError', option: '--endpoint-url', exitCode: 2 },
        });
      }
    },
  );

  it('prints one JSON document for a command-line error too', async () => {
    const run = await rotakit(['status', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { name: 'UsageError', code: 'commander.missingArgument', exitCode: 2 },
    });
    const bad = await rotakit(['status', name, '--stuck-after', '10', '--json'], {
      env: { ...NO_CONFIG, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
    });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({
      name: 'UsageError',
      option: '--stuck-after',
    });
  });

  it('stops any other command at the first Ctrl-C with exit 130 and, with --json, one document', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await rotakit(['status', name, '--json'], {
      env: { ...NO_CONFIG, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
      signal: controller.signal,
    });
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { name: 'InterruptedError', exitCode: 130 },
    });
  });
});
