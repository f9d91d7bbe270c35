import { readFileSync } from 'node:fs';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createDatabaseUser,
  type DatabaseUser,
  type MysqlConnectionInfo,
  uniqueName,
  withAdmin,
} from '@rotakit/testing';

const SCHEMA = readFileSync(new URL('../schema.sql', import.meta.url), 'utf8');

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
  const secretId = uniqueName('app');
  await client.send(
    new CreateSecretCommand({
      Name: secretId,
      SecretString: JSON.stringify({
        engine: 'mysql',
        host: user.host,
        port: user.port,
        username: user.username,
        password: user.password,
        dbname: user.database,
      }),
    }),
  );
  return { secretId, user };
}
