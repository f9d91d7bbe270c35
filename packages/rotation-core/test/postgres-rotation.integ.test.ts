// PostgreSQL rotations end to end: RotateSecret on our local Secrets Manager invokes the
// handler, which logs in over TLS (verify-full) to the shared PostgreSQL 15. One handler
// (byEngine) rotates PostgreSQL and MySQL secrets alike.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byEngine } from '../src/database/by-engine.js';
import { mysql } from '../src/database/mysql/driver.js';
import { postgres } from '../src/database/postgres/driver.js';
import type { RotationHandler } from '../src/handler.js';
import type { RotationStrategy } from '../src/options.js';
import { runRotation } from '../src/run-rotation.js';
import { captureLogger } from './helpers.js';
import {
  asRole,
  loginWithPostgres,
  type PostgresMaster,
  postgresMaster,
  postgresUserSecret,
} from './postgres-stack.js';
import {
  createSecret,
  FUNCTION_ARN,
  labels,
  loginWith,
  rotate,
  secretValue,
  stagesOf,
  testHandler,
} from './stack.js';

const shared = testPostgres();
const mariadb = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let master: PostgresMaster;
const handlers: RotationHandler[] = [];
const database = byEngine({ mysql: mysql(), postgres: postgres() });
const tls = { ca: shared.ca };
const durations: Record<RotationStrategy, number[]> = {
  'single-user': [],
  'alternating-users': [],
};

function register(strategy: RotationStrategy): string {
  const arn = FUNCTION_ARN(`pg-${strategy}-${handlers.length}`);
  const { handler } = testHandler(client, { strategy, database, tls });
  handlers.push(handler);
  sm.registerRotationFunction(arn, handler);
  return arn;
}

let SINGLE: string;
let ALTERNATING: string;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  master = await postgresMaster(client, shared, true);
  SINGLE = register('single-user');
  ALTERNATING = register('alternating-users');
});

afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm.close();
  const ms = (list: number[]) => list.map((d) => Math.round(d)).join(', ');
  console.info(
    `PostgreSQL rotation times (ms): single-user ${ms(durations['single-user'])}; alternating-users ${ms(durations['alternating-users'])}`,
  );
});

async function timedRotate(name: string, strategy: RotationStrategy) {
  const started = performance.now();
  const outcome = await rotate(sm, client, name, strategy === 'single-user' ? SINGLE : ALTERNATING);
  durations[strategy].push(performance.now() - started);
  expect(outcome.status, outcome.error?.message).toBe('succeeded');
  return outcome;
}

describe('single user', () => {
  it('rotates a PostgreSQL secret 3 times; unknown keys survive; the old password stops working', async () => {
    const { name, value } = await postgresUserSecret(client, shared, master);
    let previous: Record<string, unknown> = value;
    for (let i = 0; i < 3; i++) {
      const outcome = await timedRotate(name, 'single-user');
      const stages = labels(await stagesOf(client, name));
      expect(stages).toMatchObject({ AWSCURRENT: outcome.token });
      expect(stages.AWSPENDING).toBeUndefined();
      const current = await secretValue(client, name);
      expect(current).toMatchObject({ extra: 'kept', username: value.username, ssl: true });
      expect(current?.password).not.toBe(previous.password);
      expect(await loginWithPostgres(shared, current)).toEqual({ ok: true });
      expect(await secretValue(client, name, { stage: 'AWSPREVIOUS' })).toEqual(previous);
      expect(await loginWithPostgres(shared, previous)).toMatchObject({ sqlState: '28P01' });
      previous = current as Record<string, unknown>;
    }
  });

  it('the same handler rotates a MySQL secret', async () => {
    const user = await createDatabaseUser(mariadb, { privileges: ['SELECT'] });
    const { name } = await createSecret(client, {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      password: user.password,
      ssl: false,
    });
    const outcome = await rotate(sm, client, name, SINGLE);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    const current = await secretValue(client, name);
    expect(current?.password).not.toBe(user.password);
    expect(await loginWith(current)).toEqual({ ok: true });
  });

  it('a role that may not change its own password is rotated by the master (masterarn)', async () => {
    const alone = await postgresUserSecret(client, shared, master, { restricted: true });
    const refused = await rotate(sm, client, alone.name, SINGLE);
    expect(refused.status).toBe('failed');
    expect(refused.error?.message).toContain('SQLSTATE 25006');
    const withMaster = await postgresUserSecret(client, shared, master, {
      restricted: true,
      masterarn: true,
    });
    await timedRotate(withMaster.name, 'single-user');
    const current = await secretValue(client, withMaster.name);
    expect(current?.username).toBe(withMaster.value.username);
    expect(await loginWithPostgres(shared, current)).toEqual({ ok: true });
    expect(await loginWithPostgres(shared, withMaster.value)).toMatchObject({ sqlState: '28P01' });
  });
});

describe('alternating users', () => {
  it('4 rotations flip user and clone; what each creates the other can use', async () => {
    const { name, value } = await postgresUserSecret(client, shared, master, { masterarn: true });
    const clone = `${value.username}_clone`;
    const seen: string[] = [];
    const schema = `s_${value.username}`;
    await asRole(shared, master.role.database, value, (c) => c.query(`CREATE SCHEMA ${schema}`));
    for (let i = 0; i < 4; i++) {
      await timedRotate(name, 'alternating-users');
      const current = (await secretValue(client, name)) as Record<string, unknown>;
      const previous = (await secretValue(client, name, { stage: 'AWSPREVIOUS' })) as Record<
        string,
        unknown
      >;
      seen.push(String(current.username));
      expect(current).toMatchObject({ extra: 'kept', masterarn: master.arn });
      // The previous user keeps its password: both log in during the switch.
      expect(await loginWithPostgres(shared, current)).toEqual({ ok: true });
      expect(await loginWithPostgres(shared, previous)).toEqual({ ok: true });
      const table = `t${i}`;
      const asUser = (v: Record<string, unknown>) => ({
        username: String(v.username),
        password: String(v.password),
      });
      await asRole(shared, master.role.database, asUser(previous), (c) =>
        c.query(`CREATE TABLE ${schema}.${table} (id int)`),
      );
      await asRole(shared, master.role.database, asUser(current), async (c) => {
        await c.query(`INSERT INTO ${schema}.${table} VALUES (1)`);
        await c.query(`ALTER TABLE ${schema}.${table} ADD COLUMN note text`);
      });
    }
    expect(seen).toEqual([clone, value.username, clone, value.username]);
  });
});

describe('runRotation', () => {
  it.each(['single-user', 'alternating-users'] as const)(
    '%s: all four steps against PostgreSQL',
    async (strategy) => {
      const { name } = await postgresUserSecret(client, shared, master, {
        masterarn: strategy === 'alternating-users',
      });
      const result = await runRotation({
        secretId: name,
        client,
        options: { strategy, database: postgres(), tls, logger: captureLogger(), env: {} },
      });
      expect(result.steps.map((s) => s.step)).toEqual([
        'createSecret',
        'setSecret',
        'testSecret',
        'finishSecret',
      ]);
      expect(labels(await stagesOf(client, name)).AWSCURRENT).toBe(result.token);
      expect(await loginWithPostgres(shared, await secretValue(client, name))).toEqual({
        ok: true,
      });
    },
  );
});
