import { describe, expect, it } from 'vitest';
import { createPool, InvalidOptionError } from '../src/index.js';

const client = { send: () => Promise.reject(new Error('no Secrets Manager in this test')) };
const INSTANCE = 'rds!db-0b1f6c5e-3d0a-4c1e-9a59-2f4d6a1b7c8e';
const CLUSTER_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-7e2c1d4b-55aa-4f0e-8c3d-9b1a2e3f4d5c-AbCdEf';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('createPool with an RDS-managed secret', () => {
  it.each([INSTANCE, CLUSTER_ARN])(
    'without host: a typed error at creation that says what to pass (%s)',
    (secretId) => {
      const error = thrown(() => createPool({ secretId, client }));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ name: 'InvalidOptionError', option: 'host' });
      expect((error as Error).message).toMatch(/RDS-managed/);
      expect((error as Error).message).toMatch(/pass `host`/);
    },
  );

  it('an id that only looks alike is not managed: no host needed', async () => {
    for (const secretId of ['rds-db-app', 'prod/app/mysql']) {
      const pool = createPool({ secretId, client });
      await pool.end();
    }
  });

  it('with host (or socketPath) the pool is created', async () => {
    const pool = createPool({ secretId: INSTANCE, client, host: '127.0.0.1', port: 3306 });
    expect(pool.stats().managedRotationWaits).toBe(0);
    await pool.end();
    const bySocket = createPool({ secretId: CLUSTER_ARN, client, socketPath: '/tmp/none.sock' });
    await bySocket.end();
  });

  it('with `rds` (an RDS client) instead of host the pool is created; `rds` is checked', async () => {
    const rds = { send: () => Promise.reject(new Error('no RDS API in this test')) };
    const pool = createPool({ secretId: INSTANCE, client, rds: { client: rds } });
    await pool.end();
    expect(() =>
      createPool({ secretId: INSTANCE, client, rds: { client: {} as typeof rds } }),
    ).toThrow(/`rds.client`/);
    const cache = pool.cache;
    const error = thrown(() => createPool({ secretId: INSTANCE, cache, rds: { client: rds } }));
    expect(error).toMatchObject({ name: 'InvalidOptionError', option: 'rds' });
  });

  it('validates managedRotation and names the option at fault', () => {
    expect(() => createPool({ secretId: 'db', client, managedRotation: { waitMs: -1 } })).toThrow(
      /`managedRotation.waitMs`/,
    );
    expect(() =>
      createPool({
        secretId: 'db',
        client,
        managedRotation: { recheckDelayMs: 500, maxRecheckDelayMs: 100 },
      }),
    ).toThrow(/`managedRotation.maxRecheckDelayMs`/);
  });
});
