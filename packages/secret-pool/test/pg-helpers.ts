import {
  CreateSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { quoteIdentifier, quoteLiteral, scramSha256Verifier } from '@rotakit/engine-postgres';
import {
  type CreatePostgresRoleOptions,
  createPostgresRole,
  type PostgresConnectionInfo,
  type PostgresRole,
  type Queryable,
  uniqueName,
  withPostgresAdmin,
} from '@rotakit/testing';
import type pg from 'pg';

export interface PgRdsSecret {
  engine: 'postgres';
  host: string;
  port: number;
  username: string;
  password: string;
  dbname: string;
  [key: string]: unknown;
}

export interface PgDbSecret {
  name: string;
  role: PostgresRole;
  /** The AWSCURRENT value as stored. */
  value: PgRdsSecret;
  versionId: string;
}

/** A PostgreSQL role and a secret (RDS format) holding its credentials. */
export async function createPgSecret(
  server: PostgresConnectionInfo,
  client: SecretsManagerClient,
  options: CreatePostgresRoleOptions = {},
  extra: Record<string, unknown> = {},
): Promise<PgDbSecret> {
  const role = await createPostgresRole(server, options);
  const value: PgRdsSecret = {
    engine: 'postgres',
    host: role.host,
    port: role.port,
    username: role.username,
    password: role.password,
    dbname: role.database,
    ...extra,
  };
  const name = uniqueName('pgpool');
  const out = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
  );
  return { name, role, value, versionId: out.VersionId ?? '' };
}

/** createSecret: a new version labelled AWSPENDING. */
export async function putPendingPg(
  client: SecretsManagerClient,
  name: string,
  value: PgRdsSecret,
): Promise<string> {
  const out = await client.send(
    new PutSecretValueCommand({
      SecretId: name,
      SecretString: JSON.stringify(value),
      VersionStages: ['AWSPENDING'],
    }),
  );
  return out.VersionId ?? '';
}

/** setSecret for the single-user strategy: the role now has the pending password (sent as a SCRAM verifier). */
export async function alterRolePassword(
  server: PostgresConnectionInfo,
  username: string,
  password: string,
): Promise<void> {
  const verifier = scramSha256Verifier(password);
  await withPostgresAdmin(server, (admin) =>
    admin.query(`ALTER ROLE ${quoteIdentifier(username)} PASSWORD ${quoteLiteral(verifier)}`),
  );
}

/** Sessions of `username` on the server, from pg_stat_activity. */
export async function pgSessionsOf(
  server: PostgresConnectionInfo,
  username: string,
): Promise<number> {
  return withPostgresAdmin(server, async (admin) => {
    const { rows } = await admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1',
      [username],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/**
 * A pg Pool seen as @rotakit/testing's load expects (mysql2's shape): a churned connection is
 * a client of its own, destroyed after its query with pg's public `release(true)`.
 */
export function pgQueryable(pool: pg.Pool): Queryable {
  return {
    query: (sql) => pool.query(sql),
    getConnection: async () => {
      const client = await pool.connect();
      return { query: (sql: string) => client.query(sql), destroy: () => client.release(true) };
    },
  };
}
