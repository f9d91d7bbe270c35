import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Engine } from '@rotakit/core';
import { createPool, type SecretPoolStats } from '@rotakit/secret-pool';
import { createPgPool } from '@rotakit/secret-pool/pg';
import type { Queryable } from '@rotakit/testing';
import { createPool as createPlainMysqlPool } from 'mysql2/promise';
import pg from 'pg';

/** A pool the query load runs on, named for the summary table. */
export interface DemoPool {
  label: string;
  queryable: Queryable;
  end(): Promise<void>;
}

export interface RotakitDemoPool extends DemoPool {
  stats(): SecretPoolStats;
}

/** Where the app connects, and (for the plain pool) the secret's values, read once. */
export interface PoolTarget {
  engine: Engine;
  secretId: string;
  client: SecretsManagerClient;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

// The same settings on both sides: 8 connections for 32 workers, idle ones closed after
// 200 ms, and churn in the load, so new logins happen during every rotation window.
const MYSQL_SETTINGS = { connectionLimit: 8, maxIdle: 2, idleTimeout: 200 };
const PG_SETTINGS = { max: 8, idleTimeoutMillis: 200 };

export function rotakitPool(target: PoolTarget): RotakitDemoPool {
  const source = { secretId: target.secretId, client: target.client };
  if (target.engine === 'mysql') {
    const pool = createPool({ ...source, ...MYSQL_SETTINGS });
    return {
      label: 'rotakit createPool',
      queryable: pool,
      end: () => pool.end(),
      stats: () => pool.stats(),
    };
  }
  const pool = quietIdleErrors(createPgPool({ ...source, ...PG_SETTINGS }));
  return {
    label: 'rotakit createPgPool',
    queryable: pgQueryable(pool),
    end: () => pool.end(),
    stats: () => pool.stats(),
  };
}

/** A pool given the secret's values once, as apps without rotakit do. */
export function plainPool(target: PoolTarget): DemoPool {
  const { host, port, user, password, database } = target;
  if (target.engine === 'mysql') {
    const pool = createPlainMysqlPool({ host, port, user, password, database, ...MYSQL_SETTINGS });
    return { label: 'plain mysql2 pool', queryable: pool, end: () => pool.end() };
  }
  const pool = quietIdleErrors(
    new pg.Pool({ host, port, user, password, database, ...PG_SETTINGS }),
  );
  return { label: 'plain pg pool', queryable: pgQueryable(pool), end: () => pool.end() };
}

/**
 * pg's Pool emits an idle client's failure as an 'error' event, which ends the process when
 * nobody listens; the load counts the failures of queries, which is what the demo shows.
 */
function quietIdleErrors<T extends pg.Pool>(pool: T): T {
  pool.on('error', () => undefined);
  return pool;
}

/** A pg pool as the query load drives it: a churned connection is released as broken. */
function pgQueryable(pool: pg.Pool): Queryable {
  return {
    query: (sql) => pool.query(sql),
    getConnection: async () => {
      const client = await pool.connect();
      return { query: (sql: string) => client.query(sql), destroy: () => client.release(true) };
    },
  };
}
