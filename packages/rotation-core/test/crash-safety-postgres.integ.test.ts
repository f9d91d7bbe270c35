// Crash safety on PostgreSQL 15, single user (see crash-harness.ts): the shared server over
// TLS, crashed at every boundary of a rotation and retried as the service would.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness } from './crash-harness.js';
import { postgresCrashEngine } from './postgres-stack.js';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let harness: CrashHarness;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  harness = new CrashHarness(sm, client, await postgresCrashEngine(client, testPostgres()));
});
afterAll(async () => {
  await harness?.close();
  await sm.close();
});

describe('PostgreSQL 15: crash at every boundary, then the service retries', () => {
  it('single user', async () => {
    const started = performance.now();
    const { boundaries, problems } = await harness.injectEverywhere('single-user', async () => {});
    console.info(
      `single user: ${boundaries.length} boundaries crashed and retried in ${Math.round(performance.now() - started)} ms`,
    );
    expect(boundaries.length).toBeGreaterThan(30);
    for (const kind of ['sm:PutSecretValue', 'sql:ALTER ROLE', 'sm:UpdateSecretVersionStage']) {
      expect(boundaries.some((b) => b.includes(kind))).toBe(true);
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
