// createPgPool's metrics on the real PostgreSQL and the local Secrets Manager: through a real
// Powertools Metrics (its EMF lines captured at process.stdout, where Lambda's log agent
// reads them) and through the plain callback, checked against the pool's own counters. The
// mysql2 pool's are in metrics.integ.test.ts; both read the EMF through emf.ts.
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../src/index.js';
import { createPgPool } from '../src/pg/index.js';
import { captureEmf } from './emf.js';
import { newPassword } from './helpers.js';
import { alterRolePassword, createPgSecret, putPendingPg } from './pg-helpers.js';

const server = testPostgres();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  // Dev mode would make Metrics write through the global console instead of stdout.
  vi.stubEnv('POWERTOOLS_DEV', '');
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await sm?.close();
});

describe('createPgPool metrics', () => {
  it('checks the option as createPool does', () => {
    expect(() =>
      // @ts-expect-error neither a Metrics instance nor a function
      createPgPool({ secretId: 'x', client, metrics: { addMetric() {} } }),
    ).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'metrics' }));
    expect(() =>
      // @ts-expect-error neither a Metrics instance nor a function
      createPgPool({ secretId: 'x', client, metrics: 'emf' }),
    ).toThrow(InvalidOptionError);
  });

  it('a rotation window through a real Powertools Metrics: refreshes, the auth failure and the pending-probe success as EMF', async () => {
    const secret = await createPgSecret(server, client);
    const metrics = new Metrics({ namespace: 'rotakit-test', serviceName: 'orders' });
    const password = newPassword();
    const out = await captureEmf(async () => {
      await using pool = createPgPool({ secretId: secret.name, client, max: 2, metrics });
      const held = await pool.connect();
      // setSecret done by hand; the rotation has not finished: AWSCURRENT is stale.
      await putPendingPg(client, secret.name, { ...secret.value, password });
      await alterRolePassword(server, secret.role.username, password);
      // A second client must log in: refused (28P01) with AWSCURRENT, then AWSPENDING works.
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      held.release();
      expect(pool.stats()).toMatchObject({ authFailures: 1, pendingProbeSuccesses: 1 });
    });
    const base = { namespace: 'rotakit-test', unit: 'Count', value: 1 };
    expect(out.metrics).toEqual([
      {
        ...base,
        metric: 'SecretPoolCredentialsRefreshed',
        dimensions: { service: 'orders', Reason: 'initial', Source: 'AWSCURRENT' },
      },
      {
        ...base,
        metric: 'SecretPoolAuthFailure',
        dimensions: { service: 'orders', Source: 'AWSCURRENT' },
      },
      {
        ...base,
        metric: 'SecretPoolCredentialsRefreshed',
        dimensions: { service: 'orders', Reason: 'auth-failure', Source: 'AWSPENDING' },
      },
      { ...base, metric: 'SecretPoolPendingProbeSuccess', dimensions: { service: 'orders' } },
    ]);
    expect(out.raw).not.toContain(password);
    expect(out.raw).not.toContain(secret.value.password);
  });

  it('the callback sees one metric per event, as many as the pool counts (login guard included)', async () => {
    const secret = await createPgSecret(server, client);
    await alterRolePassword(server, secret.role.username, newPassword());
    const seen: { name: string; unit: string; value: number; dimensions: object }[] = [];
    await using pool = createPgPool({
      secretId: secret.name,
      client,
      max: 4,
      auth: { retryDelayMs: 1, maxRetryDelayMs: 5 },
      metrics: (name, unit, value, dimensions) => seen.push({ name, unit, value, dimensions }),
    });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => pool.query('SELECT 1')),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('rejected'));
    const stats = pool.stats();
    expect(stats.authFailures).toBeGreaterThan(0);
    expect(stats.loginGuardRejections).toBeGreaterThan(0);
    const count = (name: string) => seen.filter((m) => m.name === name).length;
    expect(count('SecretPoolAuthFailure')).toBe(stats.authFailures);
    expect(count('SecretPoolLoginGuardRejection')).toBe(stats.loginGuardRejections);
    expect(count('SecretPoolCredentialsRefreshed')).toBe(stats.credentialRefreshes);
    expect(count('SecretPoolPendingProbeSuccess')).toBe(0);
    expect(seen).toContainEqual({
      name: 'SecretPoolLoginGuardRejection',
      unit: 'Count',
      value: 1,
      dimensions: { Reason: 'password-refused' },
    });
    expect(JSON.stringify(seen)).not.toContain(secret.value.password);
  });

  it('a callback that throws never reaches the pool: one process warning, queries work', async () => {
    const secret = await createPgSecret(server, client);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await using pool = createPgPool({
        secretId: secret.name,
        client,
        metrics: () => {
          throw new Error('sink down');
        },
      });
      expect((await pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toEqual([
      'ROTAKIT_SECRET_POOL_METRICS',
    ]);
  });
});
