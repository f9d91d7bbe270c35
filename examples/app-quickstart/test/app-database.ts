import { readFileSync } from 'node:fs';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createDatabaseUser,
  createPostgresRole,
  type DatabaseUser,
  type MysqlConnectionInfo,
  type PostgresConnectionInfo,
  type PostgresRole,
  uniqueName,
  withAdmin,
  withPostgresAdmin,
} from '@rotakit/testing';

const SCHEMA = readFileSync(new URL('../schema.sql', import.meta.url), 'utf8');
const POSTGRES_SCHEMA = readFileSync(new URL('../schema.postgres.sql', import.meta.url), 'utf8');

/** An RDS-format secret for these credentials; `password` replaces the user's when given. */
async function createAppSecret(
  client: SecretsManagerClient,
  engine: 'mysql' | 'postgres',
  user: DatabaseUser | PostgresRole,
  password = user.password,
): Promise<string> {
  const secretId = uniqueName('app');
  await client.send(
    new CreateSecretCommand({
      Name: secretId,
      SecretString: JSON.stringify({
        engine,
        host: user.host,
        port: user.port,
        username: user.username,
        password,
        dbname: user.database,
      }),
    }),
  );
  return secretId;
}

/** An app user (SELECT, INSERT), its items table (schema.sql) and its secret (RDS format). */
export async function appDatabase(
  server: MysqlConnectionInfo,
  client: SecretsManagerClient,
): Promise<{ secretId: string; user: DatabaseUser }> {
  const user = await createDatabaseUser(server, { privileges: ['SELECT', 'INSERT'] });
  await withAdmin(server, async (admin) => {
    await admin.query(`USE ${admin.escapeId(user.database)}`);
    await admin.query(SCHEMA);
  });
  return { secretId: await createAppSecret(client, 'mysql', user), user };
}

/**
 * An app role with its own database, the items table there (schema.postgres.sql, owned by the
 * admin) with README step 2's grants, and its secret (RDS format). `secretPassword` puts a
 * password in the secret that is not the role's.
 */
export async function appPostgresDatabase(
  server: PostgresConnectionInfo,
  client: SecretsManagerClient,
  options: { secretPassword?: string } = {},
): Promise<{ secretId: string; role: PostgresRole }> {
  const role = await createPostgresRole(server, { database: 'own' });
  await withPostgresAdmin(
    server,
    async (admin) => {
      const name = admin.escapeIdentifier(role.username);
      await admin.query(POSTGRES_SCHEMA);
      await admin.query(`GRANT SELECT, INSERT ON items TO ${name}`);
      await admin.query(`GRANT USAGE ON SEQUENCE items_id_seq TO ${name}`);
    },
    { database: role.database },
  );
  const secretId = await createAppSecret(client, 'postgres', role, options.secretPassword);
  return { secretId, role };
}

/** The rows in the role's items table, counted as the admin. */
export function countPostgresItems(
  server: PostgresConnectionInfo,
  role: PostgresRole,
): Promise<number> {
  return withPostgresAdmin(
    server,
    async (admin) => {
      const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM items');
      return Number(rows[0]?.n);
    },
    { database: role.database },
  );
}
