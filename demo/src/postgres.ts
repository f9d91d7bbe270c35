import { randomBytes } from 'node:crypto';
import { quoteIdentifier, quoteLiteral, scramSha256Verifier } from '@rotakit/engine-postgres';
import {
  createRdsLikeMaster,
  type PostgresConnectionInfo,
  uniqueName,
  withPostgresAdmin,
} from '@rotakit/testing';
import type { PreparedDatabase } from './stack.js';

/**
 * The app's database, table and role on PostgreSQL, set up the way they are on RDS: an
 * RDS-like master (CREATEROLE, not a superuser) creates the app's role, which on PostgreSQL
 * 16 and later gives it the ADMIN OPTION that cloning the role for alternating users needs.
 */
export async function preparePostgresDatabase(
  server: PostgresConnectionInfo,
): Promise<PreparedDatabase> {
  const master = await createRdsLikeMaster(server);
  const appUser = uniqueName('app', 6);
  const appPassword = randomBytes(18).toString('base64url');
  const database = uniqueName('shop');
  const app = quoteIdentifier(appUser);
  const verifier = quoteLiteral(scramSha256Verifier(appPassword));
  await withPostgresAdmin({ ...server, admin: master }, (asMaster) =>
    asMaster.query(`CREATE ROLE ${app} LOGIN PASSWORD ${verifier}`),
  );
  await withPostgresAdmin(server, (admin) =>
    admin.query(`CREATE DATABASE ${quoteIdentifier(database)}`),
  );
  await withPostgresAdmin(
    server,
    async (admin) => {
      await admin.query(
        'CREATE TABLE orders (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric(10,2) NOT NULL)',
      );
      await admin.query(
        'INSERT INTO orders (total) VALUES (19.99), (5.00), (120.50), (42.00), (7.25)',
      );
      await admin.query(`GRANT SELECT, INSERT ON orders TO ${app}`);
    },
    { database },
  );
  return {
    database,
    appUser,
    appPassword,
    masterUser: master.username,
    masterPassword: master.password,
    masterDatabase: master.database,
  };
}
