// Alternating users on PostgreSQL 17 through the real rotation: RotateSecret on our local
// Secrets Manager invokes the handler (postgres() driver), whose master session runs
// syncPostgresAccount. The secret starts where an AWS-template rotation left it: the clone
// (membership only) is AWSCURRENT and owns a table the original cannot read.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgres } from '../src/database/postgres/driver.js';
import type { RotationHandler } from '../src/handler.js';
import {
  type AccountsFixture,
  newPassword,
  q,
  startAccountsFixture,
  type User,
} from './postgres-accounts-fixture.js';
import { createSecret, FUNCTION_ARN, rotate, secretValue, testHandler } from './stack.js';

let fx: AccountsFixture;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let handler: RotationHandler;
const ARN = FUNCTION_ARN('pg-alternating-17');

beforeAll(async () => {
  fx = await startAccountsFixture(17);
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  ({ handler } = testHandler(client, { strategy: 'alternating-users', database: postgres() }));
  sm.registerRotationFunction(ARN, handler);
});

afterAll(async () => {
  await handler?.close();
  await sm?.close();
  await fx?.stop();
});

/** The user AWSCURRENT or AWSPREVIOUS holds now. */
async function userAt(name: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<User> {
  const value = (await secretValue(client, name, { stage })) as Record<string, unknown>;
  return { name: String(value.username), password: String(value.password) };
}

it('upgrades an AWS-template clone on the first rotation; grants to the clone reach the original', async () => {
  const base = { engine: 'postgres', host: fx.server.host, port: fx.server.port, ssl: false };
  const masterSecret = await createSecret(client, {
    ...base,
    username: fx.master.username,
    password: fx.master.password,
    dbname: fx.master.database,
  });
  const original = await fx.createUser();
  const clone: User = { name: `${original.name}_clone`, password: newPassword() };
  const shared = q(`${original.name}_shared`);
  await fx.as(original, (c) => c.query(`CREATE SCHEMA ${q(original.name)}`));
  await fx.asMaster(async (c) => {
    await c.query(`CREATE ROLE ${q(clone.name)} WITH LOGIN PASSWORD '${clone.password}'`);
    await c.query(`GRANT ${q(original.name)} TO ${q(clone.name)}`);
    await c.query(`CREATE TABLE ${shared} (id int)`);
  });
  const table = `${q(original.name)}.by_template_clone`;
  await fx.as(clone, (c) => c.query(`CREATE TABLE ${table} (id serial, v text)`));
  const secret = await createSecret(client, {
    ...base,
    username: clone.name,
    password: clone.password,
    dbname: fx.master.database,
    masterarn: masterSecret.arn,
  });

  const first = await rotate(sm, client, secret.name, ARN);
  expect(first.status, first.error?.message).toBe('succeeded');
  const current = await userAt(secret.name, 'AWSCURRENT');
  expect(current.name).toBe(original.name);
  await fx.as(current, async (c) => {
    await c.query(`INSERT INTO ${table} (v) VALUES ('original')`);
    await c.query(`ALTER TABLE ${table} ADD COLUMN added int`);
  });
  const previous = await userAt(secret.name, 'AWSPREVIOUS');
  await fx.as(previous, async (c) => {
    expect((await c.query('SELECT current_user')).rows[0].current_user).toBe(original.name);
    await c.query(`CREATE TABLE ${q(original.name)}.by_clone (id int)`);
  });

  // Granted to the clone (AWSPREVIOUS) after the first rotation: the next one passes it on.
  await fx.asMaster((c) => c.query(`GRANT SELECT ON ${shared} TO ${q(clone.name)}`));
  const second = await rotate(sm, client, secret.name, ARN);
  expect(second.status, second.error?.message).toBe('succeeded');
  for (const stage of ['AWSCURRENT', 'AWSPREVIOUS'] as const) {
    await fx.as(await userAt(secret.name, stage), async (c) => {
      await c.query(`SELECT * FROM ${shared}`);
      await c.query(`TRUNCATE ${q(original.name)}.by_clone`);
    });
  }
  const third = await rotate(sm, client, secret.name, ARN);
  expect(third.status, third.error?.message).toBe('succeeded');
  expect((await userAt(secret.name, 'AWSCURRENT')).name).toBe(original.name);
  await fx.as(await userAt(secret.name, 'AWSPREVIOUS'), (c) =>
    c.query(`DROP TABLE ${table}, ${q(original.name)}.by_clone`),
  );
});

// The master's secret names no database (an RDS-managed one holds only username and password):
// the master works in the user's database, as the AWS templates do. There the clone's objects
// are handed over and grants made to it reach the original; from `postgres` they could not be.
it('works in the secret’s own database, not the master’s', async () => {
  const base = { engine: 'postgres', host: fx.server.host, port: fx.server.port, ssl: false };
  const masterSecret = await createSecret(client, {
    ...base,
    username: fx.master.username,
    password: fx.master.password,
  });
  const original = await fx.createUser();
  const appDb = `${original.name}_db`;
  await fx.asMaster((c) => c.query(`CREATE DATABASE ${q(appDb)}`));
  await fx.asMaster(async (c) => {
    await c.query(`GRANT ALL ON DATABASE ${q(appDb)} TO ${q(original.name)}`);
    await c.query(`GRANT CREATE ON SCHEMA public TO ${q(original.name)}`);
  }, appDb);
  const clone: User = { name: `${original.name}_clone`, password: newPassword() };
  await fx.asMaster(async (c) => {
    await c.query(`CREATE ROLE ${q(clone.name)} WITH LOGIN PASSWORD '${clone.password}'`);
    await c.query(`GRANT ${q(original.name)} TO ${q(clone.name)}`);
  });
  // Made by an AWS-template clone in the app's database: owned by the clone.
  await fx.as(clone, (c) => c.query('CREATE TABLE by_template_clone (id int)'), appDb);
  const secret = await createSecret(client, {
    ...base,
    username: clone.name,
    password: clone.password,
    dbname: appDb,
    masterarn: masterSecret.arn,
  });

  const first = await rotate(sm, client, secret.name, ARN);
  expect(first.status, first.error?.message).toBe('succeeded');
  expect((await userAt(secret.name, 'AWSCURRENT')).name).toBe(original.name);
  const owner = await fx.asMaster(
    (c) => c.query("SELECT tableowner FROM pg_tables WHERE tablename = 'by_template_clone'"),
    appDb,
  );
  expect(owner.rows).toEqual([{ tableowner: original.name }]);

  // A table of the master's, granted to the clone only: the next rotation passes it on.
  await fx.asMaster(async (c) => {
    await c.query('CREATE TABLE masters_table (id int)');
    await c.query(`GRANT SELECT ON masters_table TO ${q(clone.name)}`);
  }, appDb);
  const second = await rotate(sm, client, secret.name, ARN);
  expect(second.status, second.error?.message).toBe('succeeded');
  for (const stage of ['AWSCURRENT', 'AWSPREVIOUS'] as const) {
    const user = await userAt(secret.name, stage);
    await fx.as(user, (c) => c.query('SELECT * FROM masters_table, by_template_clone'), appDb);
  }
});
