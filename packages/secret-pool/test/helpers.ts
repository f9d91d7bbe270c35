import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerLocal } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  type DatabaseUser,
  type MysqlConnectionInfo,
  uniqueName,
  withAdmin,
} from '@rotakit/testing';

export interface RdsSecret {
  engine: 'mysql';
  host: string;
  port: number;
  username: string;
  password: string;
  dbname: string;
}

export interface DbSecret {
  name: string;
  user: DatabaseUser;
  /** The AWSCURRENT value as stored. */
  value: RdsSecret;
  versionId: string;
}

export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A database account and a secret (RDS format) holding its credentials. */
export async function createDbSecret(
  server: MysqlConnectionInfo,
  client: SecretsManagerClient,
  options: Parameters<typeof createDatabaseUser>[1] = {},
): Promise<DbSecret> {
  const user = await createDatabaseUser(server, options);
  const value: RdsSecret = {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    dbname: user.database,
  };
  const name = uniqueName('pool');
  const out = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
  );
  return { name, user, value, versionId: out.VersionId ?? '' };
}

/** createSecret: a new version labelled AWSPENDING. */
export async function putPending(
  client: SecretsManagerClient,
  name: string,
  value: RdsSecret,
): Promise<string> {
  const out = await client.send(
    new PutSecretValueCommand({
      SecretId: name,
      SecretString: JSON.stringify(value),
      VersionStages: ['AWSPENDING'],
    }),
  );
  return out.VersionId ?? '';
}

/** setSecret for the single-user strategy: the database now has the pending password. */
export async function alterPassword(
  server: MysqlConnectionInfo,
  username: string,
  password: string,
  accountHost = '%',
): Promise<void> {
  await withAdmin(server, (admin) =>
    admin.query('ALTER USER ?@? IDENTIFIED BY ?', [username, accountHost, password]),
  );
}

/** finishSecret: AWSCURRENT moves to `versionId`. */
export async function finish(
  client: SecretsManagerClient,
  name: string,
  versionId: string,
): Promise<void> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
  const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes('AWSCURRENT'),
  )?.[0];
  await client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: name,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: versionId,
      ...(current ? { RemoveFromVersionId: current } : {}),
    }),
  );
}

export function getSecretValueCalls(sm: SecretsManagerLocal): number {
  return sm.counts().GetSecretValue ?? 0;
}

/** Sessions of `username` on the server, from the process list. */
export async function sessionsOf(server: MysqlConnectionInfo, username: string): Promise<number> {
  return withAdmin(server, async (admin) => {
    const [rows] = await admin.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [username],
    );
    return Number((rows as { n: number }[])[0]?.n ?? 0);
  });
}

/** The mysql2 this run loads (vitest.config.ts, ROTAKIT_MYSQL2): its package name and version. */
export function mysql2UnderTest(): { installedAs: string; version: string } {
  const variant = process.env.ROTAKIT_MYSQL2;
  const installedAs =
    variant === 'oldest' ? 'mysql2-oldest' : variant === 'newest' ? 'mysql2-newest' : 'mysql2';
  const require = createRequire(import.meta.url);
  const { version } = require(`${installedAs}/package.json`) as { version: string };
  return { installedAs, version };
}
