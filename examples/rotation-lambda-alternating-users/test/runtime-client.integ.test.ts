// The alternating-users bundle under the real Lambda runtime interface clients: five
// rotations and the database fault cases (see the single-user example's
// runtime-client-suite.ts, shared by both).
import { createDatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
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
});
