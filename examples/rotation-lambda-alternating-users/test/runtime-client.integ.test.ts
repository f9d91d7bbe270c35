// The alternating-users bundle under the real Lambda runtime interface clients: five
// rotations and the database fault cases (see the single-user example's
// runtime-client-suite.ts, shared by both), and a PostgreSQL secret.
import {
  createDatabaseUser,
  createPostgresRole,
  createRdsLikeMaster,
  withPostgresAdmin,
} from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { exampleDirOf } from '../../rotation-lambda-single-user/test/lambda-harness.js';
import { describeUnderRuntimeClients } from '../../rotation-lambda-single-user/test/runtime-client-suite.js';
import { createSecret } from '../../rotation-lambda-single-user/test/secrets.js';

describeUnderRuntimeClients({
  exampleDir: exampleDirOf(import.meta.url),
  functionName: 'rotakit-alternating-users',
  previousStaysValid: true,
  async prepare(client, passwords) {
    const server = testMysql();
    // A master like RDS's: not the server's root, but allowed to create users and grant.
    const master = await createDatabaseUser(server, {
      privileges: [],
      extraGrants: ['GRANT ALL PRIVILEGES ON *.* TO {user} WITH GRANT OPTION'],
    });
    passwords.push(master.password);
    const { arn: masterArn } = await createSecret(client, {
      engine: 'mysql',
      host: master.host,
      port: master.port,
      username: master.username,
      password: master.password,
    });
    return async (at) => {
      const user = await createDatabaseUser(server, { privileges: ['SELECT', 'INSERT'] });
      passwords.push(user.password);
      return {
        engine: 'mysql',
        host: at.host,
        port: at.port,
        username: user.username,
        password: user.password,
        dbname: user.database,
        masterarn: masterArn,
      };
    };
  },
  async preparePostgres(client, passwords) {
    const server = testPostgres();
    // An RDS-like master: not a superuser; CREATEROLE, and ADMIN OPTION on each user's role.
    const master = await createRdsLikeMaster(server);
    passwords.push(master.password);
    const { arn: masterArn } = await createSecret(client, {
      engine: 'postgres',
      host: master.host,
      port: master.port,
      username: master.username,
      password: master.password,
      dbname: master.database,
      ssl: false,
    });
    return async () => {
      const role = await createPostgresRole(server, { database: master.database });
      await withPostgresAdmin(server, (admin) =>
        admin.query(
          `GRANT ${admin.escapeIdentifier(role.username)} TO ${admin.escapeIdentifier(master.username)} WITH ADMIN OPTION`,
        ),
      );
      passwords.push(role.password);
      return {
        engine: 'postgres',
        host: role.host,
        port: role.port,
        username: role.username,
        password: role.password,
        dbname: role.database,
        ssl: false,
        masterarn: masterArn,
      };
    };
  },
});
