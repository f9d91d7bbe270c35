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

  it('exits 2 on a bad port', async () => {
    const run = await rotakit(['local', '--port', 'abc']);
    expect(run.code).toBe(2);
  });
});
