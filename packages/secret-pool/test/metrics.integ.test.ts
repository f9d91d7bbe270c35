// Both pools' metrics on the real database servers and the local Secrets Manager: through a
// real Powertools Metrics (its EMF lines captured at process.stdout, where Lambda's log agent
// reads them: emf.ts) and through the plain callback, checked against the pool's own counters.
// One contract, run for createPool (MariaDB) and createPgPool (PostgreSQL): pool-kinds.ts.
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type CreatePoolOptions,
  InvalidOptionError,
  type MetricCallback,
  type MetricsOption,
} from '../src/index.js';
import type { CreatePgPoolOptions } from '../src/pg/index.js';
import { captureEmf } from './emf.js';
import { finish, newPassword } from './helpers.js';
import { POOL_KINDS } from './pool-kinds.js';

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

it('both pools take a real Powertools Metrics or a callback as `metrics`, nothing else (types)', () => {
  expectTypeOf<Metrics>().toExtend<MetricsOption>();
  expectTypeOf<MetricCallback>().toExtend<MetricsOption>();
  expectTypeOf<{ addMetric(): void }>().not.toExtend<MetricsOption>();
  expectTypeOf<'emf'>().not.toExtend<MetricsOption>();
  expectTypeOf<CreatePoolOptions['metrics']>().toEqualTypeOf<MetricsOption | undefined>();
  expectTypeOf<CreatePgPoolOptions['metrics']>().toEqualTypeOf<MetricsOption | undefined>();
});

describe.each(POOL_KINDS)('$name metrics', (kind) => {
  it('refuses a `metrics` that is neither a Metrics nor a function: InvalidOptionError naming it', () => {
    for (const metrics of [{ addMetric() {} }, 'emf']) {
      let error: unknown;
      try {
        kind.createPool({ secretId: 'x', client, metrics: metrics as never });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ name: 'InvalidOptionError', option: 'metrics' });
    }
  });

  it('a rotation window through a real Powertools Metrics: refreshes, the auth failure and the pending-probe success as EMF', async () => {
    const secret = await kind.createSecret(client);
    const metrics = new Metrics({ namespace: 'rotakit-test', serviceName: 'orders' });
    const password = newPassword();
    const out = await captureEmf(async () => {
      await using pool = kind.createPool({
        secretId: secret.name,
        client,
        connections: 2,
        metrics,
      });
      const held = await pool.hold();
      // setSecret done by hand; the rotation has not finished: AWSCURRENT is stale.
      const pending = await secret.putPending(password);
      await kind.alterPassword(secret.username, password);
      // A second connection must log in: refused with AWSCURRENT, then AWSPENDING works.
      expect(await pool.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      held.release();
      await finish(client, secret.name, pending);
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
    expect(out.raw).not.toContain(secret.password);
  });

  it('the callback sees one metric per event, as many as the pool counts (login guard included)', async () => {
    const secret = await kind.createSecret(client);
    await kind.alterPassword(secret.username, newPassword());
    const seen: { name: string; unit: string; value: number; dimensions: object }[] = [];
    await using pool = kind.createPool({
      secretId: secret.name,
      client,
      connections: 4,
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
    expect(JSON.stringify(seen)).not.toContain(secret.password);
  });

  it('a callback that throws never reaches the pool: one process warning, queries work', async () => {
    const secret = await kind.createSecret(client);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await using pool = kind.createPool({
        secretId: secret.name,
        client,
        metrics: () => {
          throw new Error('sink down');
        },
      });
      expect(await pool.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toEqual([
      'ROTAKIT_SECRET_POOL_METRICS',
    ]);
  });
});
