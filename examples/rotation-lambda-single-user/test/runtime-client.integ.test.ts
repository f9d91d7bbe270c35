// The single-user bundle under the real Lambda runtime interface clients: five rotations
// and the database fault cases (see runtime-client-suite.ts), and a PostgreSQL secret.
import { createDatabaseUser, createPostgresRole } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { exampleDirOf } from './lambda-harness.js';
import { describeUnderRuntimeClients } from './runtime-client-suite.js';

describeUnderRuntimeClients({
  exampleDir: exampleDirOf(import.meta.url),
  functionName: 'rotakit-single-user',
  previousStaysValid: false,
  async prepare(_client, passwords) {
    return async (at) => {
      const user = await createDatabaseUser(testMysql(), { privileges: ['SELECT'] });
      passwords.push(user.password);
      return {
        engine: 'mysql',
        host: at.host,
        port: at.port,
        username: user.username,
        password: user.password,
        dbname: user.database,
      };
    };
  },
  async preparePostgres(_client, passwords) {
    return async () => {
      const role = await createPostgresRole(testPostgres());
      passwords.push(role.password);
      return {
        engine: 'postgres',
        host: role.host,
        port: role.port,
        username: role.username,
        password: role.password,
        dbname: role.database,
        ssl: false,
      };
    };
  },
});
