import { randomBytes } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  canLoginPostgres,
  createRdsLikeMaster,
  type PostgresConnectionInfo,
  type PostgresLoginResult,
  type PostgresRole,
  uniqueName,
  withPostgresAdmin,
} from '@rotakit/testing';
import pg from 'pg';
import { postgres } from '../src/database/postgres/driver.js';
import type { CrashEngine } from './crash-harness.js';
import { createSecret } from './stack.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** An RDS-like master (no superuser) and its secret, for PostgreSQL rotations. */
export interface PostgresMaster {
  readonly role: PostgresRole;
  readonly arn: string;
}

export async function postgresMaster(
  client: SecretsManagerClient,
  server: PostgresConnectionInfo,
  ssl: boolean,
): Promise<PostgresMaster> {
  const role = await createRdsLikeMaster(server);
  const { arn } = await createSecret(client, {
    engine: 'postgres',
    host: server.host,
    port: server.port,
    username: role.username,
    password: role.password,
    dbname: role.database,
    ssl,
  });
  return { role, arn };
}

/** Runs `fn` as `username` in the master's database and ends the client. */
export async function asRole<T>(
  server: PostgresConnectionInfo,
  database: string,
  role: { username: string; password: string },
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: role.username,
    password: role.password,
    database,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PostgresUserOptions {
  /** Put `masterarn` in the secret (alternating users; single user as the master). */
  masterarn?: boolean;
  /** The role may not change its own password (its sessions are read-only: SQLSTATE 25006). */
  restricted?: boolean;
  ssl?: boolean;
}

/**
 * A login role made by the master (so that on 16+ the master has ADMIN OPTION on it, as on
 * RDS), allowed to create in the master's database, and its secret with an unknown key.
 */
export async function postgresUserSecret(
  client: SecretsManagerClient,
  server: PostgresConnectionInfo,
  master: PostgresMaster,
  options: PostgresUserOptions = {},
) {
  const username = uniqueName('app');
  const password = randomBytes(18).toString('base64url');
  await asRole(server, master.role.database, master.role, async (c) => {
    await c.query(`CREATE ROLE ${quote(username)} LOGIN PASSWORD ${c.escapeLiteral(password)}`);
    await c.query(`GRANT CREATE ON DATABASE ${quote(master.role.database)} TO ${quote(username)}`);
  });
  if (options.restricted) {
    await withPostgresAdmin(server, (admin) =>
      admin.query(`ALTER ROLE ${quote(username)} SET default_transaction_read_only = on`),
    );
  }
  const value = {
    engine: 'postgres',
    host: server.host,
    port: server.port,
    username,
    password,
    dbname: master.role.database,
    ssl: options.ssl ?? true,
    extra: 'kept',
    ...(options.masterarn ? { masterarn: master.arn } : {}),
  };
  const secret = await createSecret(client, value);
  return { ...secret, value };
}

/** Whether a secret value's credentials log in to `server`. */
export function loginWithPostgres(
  server: PostgresConnectionInfo,
  value: Record<string, unknown> | undefined,
): Promise<PostgresLoginResult> {
  if (!value) return Promise.resolve({ ok: false, sqlState: undefined, code: 'NO_VALUE' });
  return canLoginPostgres(server, {
    username: String(value.username),
    password: String(value.password),
    database: String(value.dbname),
    connectTimeoutMs: 3000,
  });
}

/** The crash harness's view of a PostgreSQL server (TLS when the server has it). */
export async function postgresCrashEngine(
  client: SecretsManagerClient,
  server: PostgresConnectionInfo,
): Promise<CrashEngine> {
  const ssl = server.tls;
  const master = await postgresMaster(client, server, ssl);
  return {
    newSecret: async (strategy) => {
      const masterarn = strategy === 'alternating-users';
      return (await postgresUserSecret(client, server, master, { ssl, masterarn })).name;
    },
    logsIn: async (value) => (await loginWithPostgres(server, value)).ok,
    handlerOptions: { database: postgres(), tls: { ca: server.ca } },
  };
}
