// SecretCache against the real AWS SDK and the local Secrets Manager over HTTP.
import { inspect } from 'node:util';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { uniqueName } from '@rotakit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretCache, SecretFetchError } from '../src/index.js';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const PASSWORD = 'integ-Secret-Pa55word';

beforeAll(async () => {
  sm = await startSecretsManager();
  // The cache does its own backoff; SDK-level retries would hide the faults under test.
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());
beforeEach(() => {
  sm.faults.clear();
});

async function createSecret(value: object = { username: 'app', password: PASSWORD }) {
  const name = uniqueName('cache');
  const out = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
  );
  return { name, versionId: out.VersionId ?? '' };
}

const gets = () => sm.counts().GetSecretValue ?? 0;

describe('SecretCache with the real SDK and the local Secrets Manager', () => {
  it('fetches once and serves 100 concurrent readers from that one call', async () => {
    const { name, versionId } = await createSecret();
    await using cache = new SecretCache({ client });
    const before = gets();
    const values = await Promise.all(Array.from({ length: 100 }, () => cache.getJson(name)));
    expect(gets() - before).toBe(1);
    expect(values.every((v) => v.password === PASSWORD)).toBe(true);
    expect(cache.getCached(name)?.versionId).toBe(versionId);
    expect(inspect(await cache.get(name))).not.toContain(PASSWORD);
  });

  it('sees a new version on a forced refresh, and AWSPENDING when it exists', async () => {
    const { name, versionId } = await createSecret();
    await using cache = new SecretCache({ client });
    await cache.get(name);
    const pending = await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: JSON.stringify({ username: 'app', password: 'next' }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const current = await cache.get(name, { forceRefresh: true });
    expect(current.versionId).toBe(versionId);
    const next = await cache.get(name, { stage: 'AWSPENDING', forceRefresh: true });
    expect(next.versionId).toBe(pending.VersionId);
    expect(next.versionStages).toContain('AWSPENDING');
    const byVersion = await cache.getJson(name, { versionId: versionId });
    expect(byVersion.password).toBe(PASSWORD);
  });

  it('reports a missing AWSPENDING as a non-retryable ResourceNotFoundException', async () => {
    const { name } = await createSecret();
    await using cache = new SecretCache({ client });
    const error = await cache.get(name, { stage: 'AWSPENDING' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(error).toMatchObject({ code: 'ResourceNotFoundException', retryable: false });
  });

  it('keeps serving the cached value while GetSecretValue throttles or drops connections', async () => {
    const { name, versionId } = await createSecret();
    await using cache = new SecretCache({
      client,
      ttlMs: 1,
      ttlJitter: 0,
      backoff: { retries: 2, minDelayMs: 20, maxDelayMs: 100 },
    });
    await cache.get(name);
    sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle' });
    const failures: (string | undefined)[] = [];
    cache.on('fetchError', (e) => failures.push(e.code));
    for (let i = 0; i < 50; i++) {
      expect((await cache.get(name)).versionId).toBe(versionId);
      expect((await cache.get(name, { forceRefresh: true })).versionId).toBe(versionId);
    }
    await expect.poll(() => failures.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toBe('ThrottlingException');
    sm.faults.clear();
    sm.faults.add({ operation: 'GetSecretValue', kind: 'drop-connection' });
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 20; i++) expect((await cache.get(name)).versionId).toBe(versionId);
    // Bounded: a handful of calls for 140 reads while Secrets Manager was failing.
    expect(cache.stats().fetches).toBeLessThan(15);
  });

  it('gives a clear error when Secrets Manager fails and nothing was ever fetched', async () => {
    const { name } = await createSecret();
    sm.faults.add({ operation: 'GetSecretValue', kind: 'internal-error' });
    await using cache = new SecretCache({ client, backoff: { retries: 0 } });
    const error = await cache.get(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect((error as SecretFetchError).message).toMatch(name);
    expect((error as SecretFetchError).code).toBe('InternalServiceError');
  });

  it('builds its own client from clientConfig', async () => {
    const { name } = await createSecret();
    await using cache = new SecretCache({
      clientConfig: {
        region: sm.region,
        endpoint: sm.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
    });
    expect((await cache.getJson(name)).username).toBe('app');
  });
});
