// The clear password never reaches pg_stat_statements (nor the statement log): real
// rotations (single user; alternating users through an RDS-like master) by RotateSecret on
// our local Secrets Manager, against a private PostgreSQL that records every statement,
// utility ones included, in pg_stat_statements and logs them all (log_statement=all).
import { readFile } from 'node:fs/promises';
import {
  ListSecretVersionIdsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { type PostgresServer, startPostgres, withPostgresAdmin } from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../src/database/postgres/driver.js';
import type { RotationHandler } from '../src/handler.js';
import type { RotationStrategy } from '../src/options.js';
import {
  loginWithPostgres,
  type PostgresMaster,
  postgresMaster,
  postgresUserSecret,
} from './postgres-stack.js';
import { FUNCTION_ARN, rotate, secretValue, testHandler } from './stack.js';

let server: PostgresServer;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let master: PostgresMaster;
const handlers: RotationHandler[] = [];
const functionArns = new Map<RotationStrategy, string>();

beforeAll(async () => {
  // Debian's PostgreSQL ships the extension (…/lib/pg_stat_statements.so); it must be
  // preloaded, and track_utility (on by default, set to be sure) records ALTER ROLE.
  server = await startPostgres({
    tls: false,
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track_utility': 'on',
      log_statement: 'all',
    },
  });
  await withPostgresAdmin(server, (admin) => admin.query('CREATE EXTENSION pg_stat_statements'));
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  master = await postgresMaster(client, server, false);
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    const arn = FUNCTION_ARN(`pg-stat-statements-${strategy}`);
    const { handler } = testHandler(client, { strategy, database: postgres() });
    handlers.push(handler);
    sm.registerRotationFunction(arn, handler);
    functionArns.set(strategy, arn);
  }
});

afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm?.close();
  await server?.stop();
});

/** Every `query` text pg_stat_statements holds, over all databases (read as superuser). */
function recordedStatements(): Promise<string[]> {
  return withPostgresAdmin(server, async (admin) => {
    const result = await admin.query<{ query: string }>('SELECT query FROM pg_stat_statements');
    return result.rows.map((row) => row.query);
  });
}

function resetStatements(): Promise<unknown> {
  return withPostgresAdmin(server, (admin) => admin.query('SELECT pg_stat_statements_reset()'));
}

function serverLog(): Promise<string> {
  return readFile(server.logFile as string, 'utf8');
}

/** The password of every version the secret ever had (AWSCURRENT, AWSPENDING, deprecated). */
async function passwordsEverIn(secretId: string): Promise<Set<string>> {
  const listed = await client.send(
    new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }),
  );
  const passwords = new Set<string>();
  for (const { VersionId } of listed.Versions ?? []) {
    const value = await secretValue(client, secretId, { versionId: VersionId });
    if (typeof value?.password === 'string') passwords.add(value.password);
  }
  return passwords;
}

/** How many of `texts` contain any of `passwords`: a count, so no message shows a password. */
function holdingAPassword(texts: readonly string[], passwords: ReadonlySet<string>): number {
  return texts.filter((text) => [...passwords].some((p) => text.includes(p))).length;
}

/** `ALTER ROLE "name" [LOGIN] PASSWORD '<literal>'` as recorded, the literal captured. */
const ALTER_ROLE_PASSWORD = /^ALTER ROLE "[^"]+" (?:LOGIN )?PASSWORD '([^']*)'$/i;

async function rotateTimes(secretId: string, strategy: RotationStrategy, times: number) {
  for (let i = 0; i < times; i++) {
    const outcome = await rotate(sm, client, secretId, functionArns.get(strategy));
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
  }
}

describe.each([
  { strategy: 'single-user', rotations: 3 },
  { strategy: 'alternating-users', rotations: 4 },
] as const)('$strategy', ({ strategy, rotations }) => {
  it(`${rotations} rotations: ALTER ROLE is recorded with a SCRAM verifier, no password in clear`, async () => {
    const { name, value } = await postgresUserSecret(client, server, master, {
      ssl: false,
      masterarn: strategy === 'alternating-users',
    });
    // The control: the fixture created the role with `PASSWORD '<clear>'`, and both the view
    // and the log keep that literal as sent (PostgreSQL 15 does not normalise the constants
    // of utility statements). So a password sent in clear would be found below.
    const initial = new Set([value.password]);
    expect(holdingAPassword(await recordedStatements(), initial)).toBeGreaterThan(0);
    expect(holdingAPassword([await serverLog()], initial)).toBe(1);

    await resetStatements();
    const logBefore = (await serverLog()).length;
    await rotateTimes(name, strategy, rotations);
    expect(await loginWithPostgres(server, await secretValue(client, name))).toEqual({ ok: true });

    const passwords = await passwordsEverIn(name);
    // The initial one and one new password per rotation (each was AWSPENDING, then AWSCURRENT).
    expect(passwords.size).toBe(rotations + 1);
    expect(passwords.has(value.password)).toBe(true);

    const statements = await recordedStatements();
    const alterRoles = statements.filter((text) => /ALTER ROLE/i.test(text));
    const passwordChanges = alterRoles.filter((text) => /PASSWORD/i.test(text));
    // Recorded as sent, one entry per rotation (each verifier is a different text), the
    // literal being the verifier: the view was populated and holds no clear password.
    expect(passwordChanges).toHaveLength(rotations);
    const literals = passwordChanges.map((text) => ALTER_ROLE_PASSWORD.exec(text)?.[1] ?? '');
    expect(literals.filter((l) => /^SCRAM-SHA-256\$4096:[^$]+\$[^:]+:[^:]+$/.test(l))).toHaveLength(
      rotations,
    );
    expect(holdingAPassword(statements, passwords)).toBe(0);

    const log = (await serverLog()).slice(logBefore);
    const logged = log
      .split('\n')
      .filter((line) => /statement: ALTER ROLE .* PASSWORD/i.test(line));
    expect(logged).toHaveLength(rotations);
    expect(holdingAPassword(logged, passwords)).toBe(0);
    expect(holdingAPassword([log], passwords)).toBe(0);
  });
});
