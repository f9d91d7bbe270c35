// The two pools seen through one small view, for the tests that check the same contract on
// both (metrics.integ.test.ts, rds-endpoint.integ.test.ts): createPool (mysql2, on the test
// MariaDB) and createPgPool (pg, on the test PostgreSQL). A kind brings its server, its
// secrets and its way to hold or drop a connection; what is asserted stays in the tests.
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RDS_MANAGED_SECRET_TAGS } from '@rotakit/core';
import type { SecretsManagerLocal } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, createPostgresRole, uniqueName } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import {
  type CreatePoolOptions,
  type CredentialsRefreshedEvent,
  createPool,
  type SecretPoolStats,
  type SecretSourceOptions,
} from '../src/index.js';
import { type CreatePgPoolOptions, createPgPool, type PgPoolOwnOptions } from '../src/pg/index.js';
import { alterPassword, createDbSecret, putPending } from './helpers.js';
import { alterRolePassword, createPgSecret, putPendingPg } from './pg-helpers.js';

/** The options both pools take, plus the pool size under one name. */
export type KindOptions = PgPoolOwnOptions &
  SecretSourceOptions & {
    /** mysql2's `connectionLimit`, pg's `max`. */
    connections?: number;
    port?: number;
    database?: string;
  };

export interface KindPool extends AsyncDisposable {
  /** The rows of one query on a pooled connection. */
  query(sql: string): Promise<unknown[]>;
  /** A connection checked out, kept until `release`. */
  hold(): Promise<{ release(): void }>;
  /** A connection checked out, then destroyed rather than returned (the next one is new). */
  openAndDestroy(): Promise<void>;
  /** The database the connections use (`DATABASE()`, `current_database()`). */
  currentDatabase(): Promise<unknown>;
  stats(): SecretPoolStats;
  onCredentialsRefreshed(listener: (event: CredentialsRefreshedEvent) => void): void;
}

export interface KindSecret {
  name: string;
  username: string;
  /** The password the secret holds (tests check that it is never printed). */
  password: string;
}

/** A secret in RDS's format (engine, host, port, username, password, dbname). */
export interface RotatableSecret extends KindSecret {
  /** createSecret by hand: the same value with `password`, labelled AWSPENDING; its version id. */
  putPending(password: string): Promise<string>;
}

/** A secret as RDS keeps one for a cluster or an instance: username and password, RDS's tags. */
export interface ManagedSecret extends KindSecret {
  /** A database the account may use that the pool does not pick without `database`. */
  otherDatabase: string;
}

export interface PoolKind {
  /** What describe.each prints: the factory and the driver. */
  readonly name: string;
  /** The run's shared test server (read when a test needs it: a kind's server may be absent). */
  server(): { host: string; port: number };
  createPool(options: KindOptions): KindPool;
  createSecret(client: SecretsManagerClient): Promise<RotatableSecret>;
  /** An account with no secret. */
  createAccount(): Promise<{ username: string; password: string }>;
  /** setSecret by hand: the account's password changed on the server. */
  alterPassword(username: string, password: string): Promise<void>;
  managedSecret(
    sm: SecretsManagerLocal,
    client: SecretsManagerClient,
    type: 'cluster' | 'instance',
  ): Promise<ManagedSecret>;
}

/** The options without the size; the factory's own name for it is added by each kind. */
function withoutSize(options: KindOptions): Omit<KindOptions, 'connections'> {
  const { connections: _, ...rest } = options;
  return rest;
}

/** What both pools have in common, as they are. */
interface EitherPool {
  stats(): SecretPoolStats;
  on(event: 'credentialsRefreshed', listener: (event: CredentialsRefreshedEvent) => void): unknown;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A kind's view of `pool`: the driver's own calls from `own`, the rest the pool's. */
function kindPool(
  pool: EitherPool,
  own: Omit<KindPool, 'stats' | 'onCredentialsRefreshed' | typeof Symbol.asyncDispose>,
): KindPool {
  return {
    ...own,
    stats: () => pool.stats(),
    onCredentialsRefreshed: (listener) => pool.on('credentialsRefreshed', listener),
    [Symbol.asyncDispose]: () => pool[Symbol.asyncDispose](),
  };
}

export const mysqlKind: PoolKind = {
  name: 'createPool (mysql2)',
  server: testMysql,
  createPool(options) {
    const size = options.connections === undefined ? {} : { connectionLimit: options.connections };
    const pool = createPool({ ...withoutSize(options), ...size } as CreatePoolOptions);
    return kindPool(pool, {
      query: async (sql) => (await pool.query(sql))[0] as unknown[],
      hold: () => pool.getConnection(),
      openAndDestroy: async () => (await pool.getConnection()).destroy(),
      currentDatabase: async () => {
        const [rows] = await pool.query('SELECT DATABASE() AS db');
        return (rows as { db: unknown }[])[0]?.db;
      },
    });
  },
  async createSecret(client) {
    const secret = await createDbSecret(testMysql(), client);
    return {
      name: secret.name,
      username: secret.user.username,
      password: secret.value.password,
      putPending: (password) => putPending(client, secret.name, { ...secret.value, password }),
    };
  },
  createAccount: () => createDatabaseUser(testMysql()),
  alterPassword: (username, password) => alterPassword(testMysql(), username, password),
  // The local Secrets Manager makes RDS-managed secrets (and rotates them) on MySQL only.
  async managedSecret(sm, _client, type) {
    const server = testMysql();
    const user = await createDatabaseUser(server);
    const { name } = await sm.createRdsManagedSecret({
      resource: { type, identifier: uniqueName(type) },
      username: user.username,
      password: user.password,
      database: {
        engine: 'mysql',
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      },
    });
    return { name, username: user.username, password: user.password, otherDatabase: user.database };
  },
};

export const pgKind: PoolKind = {
  name: 'createPgPool (pg)',
  server: testPostgres,
  createPool(options) {
    const size = options.connections === undefined ? {} : { max: options.connections };
    const pool = createPgPool({ ...withoutSize(options), ...size } as CreatePgPoolOptions);
    return kindPool(pool, {
      query: async (sql) => (await pool.query(sql)).rows,
      hold: () => pool.connect(),
      openAndDestroy: async () => (await pool.connect()).release(true),
      currentDatabase: async () =>
        (await pool.query<{ db: unknown }>('SELECT current_database() AS db')).rows[0]?.db,
    });
  },
  async createSecret(client) {
    const secret = await createPgSecret(testPostgres(), client);
    return {
      name: secret.name,
      username: secret.role.username,
      password: secret.value.password,
      putPending: (password) => putPendingPg(client, secret.name, { ...secret.value, password }),
    };
  },
  createAccount: () => createPostgresRole(testPostgres()),
  alterPassword: (username, password) => alterRolePassword(testPostgres(), username, password),
  // The local Secrets Manager's own `rds!` secrets change MySQL passwords only: this one is
  // made by hand, with the tag RDS puts on its own and only `username` and `password`.
  async managedSecret(_sm, client, type) {
    const role = await createPostgresRole(testPostgres());
    const name = uniqueName(`pg-${type}`);
    const arn = `arn:aws:rds:us-east-1:123456789012:${type === 'cluster' ? 'cluster' : 'db'}:${uniqueName('app')}`;
    const secret = { username: role.username, password: role.password };
    await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify(secret),
        Tags: [{ Key: RDS_MANAGED_SECRET_TAGS[type], Value: arn }],
      }),
    );
    return { name, ...secret, otherDatabase: 'template1' };
  },
};

/** The table describe.each runs a shared contract over. */
export const POOL_KINDS: readonly PoolKind[] = [mysqlKind, pgKind];
