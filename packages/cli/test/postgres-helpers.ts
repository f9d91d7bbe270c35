import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerLocal } from '@rotakit/secrets-manager-local';
import { createPostgresRole, type PostgresRole, uniqueName } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { expect } from 'vitest';
import type { CliRun } from './helpers.js';

// What no output for a PostgreSQL secret may say: MySQL's name, port, errno or error symbols.
// (--json output may carry a socket error's own `"errno": -111` as evidence.)
const MYSQL_WORDING = /mysql|mariadb|3306|ER_[A-Z]/i;

export function expectNoMysqlWording(run: CliRun, json = false): void {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toMatch(MYSQL_WORDING);
    if (!json) expect(text).not.toMatch(/errno/i);
  }
}

/** RDS-format PostgreSQL secrets in a local Secrets Manager, for roles on the shared server. */
export function postgresSecrets(sm: () => SecretsManagerLocal) {
  async function store(value: Record<string, unknown>): Promise<string> {
    const name = uniqueName('cli/pg');
    await sm()
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return name;
  }

  /** A secret for `role` (default: a new role with its own database), plain TCP. */
  async function secretOf(role: PostgresRole, overrides: Record<string, unknown> = {}) {
    const { host, port, username, password, database } = role;
    const value = { engine: 'postgres', host, port, username, password, dbname: database };
    return store({ ...value, ssl: false, ...overrides });
  }

  async function userSecret(overrides: Record<string, unknown> = {}) {
    const role = await createPostgresRole(testPostgres(), { database: 'own' });
    return { name: await secretOf(role, overrides), role };
  }

  async function current(name: string) {
    const got = await sm()
      .client()
      .send(new GetSecretValueCommand({ SecretId: name }));
    return JSON.parse(got.SecretString ?? '{}') as { username: string; password: string };
  }

  return { secretOf, userSecret, current };
}
