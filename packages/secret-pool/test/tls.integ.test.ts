// The secret's "ssl" key against a MariaDB that has TLS with its own CA (made with openssl).
import * as tls from 'node:tls';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  createTestCertificates,
  type DatabaseUser,
  type MysqlServer,
  startMysql,
  type TestCertificates,
  uniqueName,
} from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';

let certs: TestCertificates | undefined;
let db: MysqlServer;
let ca: string;
let user: DatabaseUser;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  certs = await createTestCertificates();
  ca = certs.caPem;
  db = await startMysql({ serverArgs: certs.serverArgs });
  user = await createDatabaseUser(db, { privileges: [] });
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
}, 120_000);

afterAll(async () => {
  sm?.close();
  await db?.stop();
  certs?.remove();
});

/** A secret (RDS format) for the TLS server's user, reached as localhost. */
async function secretWith(extra: Record<string, unknown>): Promise<string> {
  const name = uniqueName('pool-tls');
  const value = {
    engine: 'mysql',
    host: 'localhost',
    port: db.port,
    username: user.username,
    password: user.password,
    ...extra,
  };
  await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  return name;
}

async function sslCipher(pool: ReturnType<typeof createPool>): Promise<string> {
  const [rows] = await pool.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  return String((rows as { Value: string }[])[0]?.Value ?? '');
}

describe('the secret\'s "ssl" key', () => {
  it('"ssl": true requires TLS, verified against Node\'s and the RDS CAs (not this test CA)', async () => {
    const secretId = await secretWith({ ssl: true });
    await using pool = createPool({ secretId, client, loginGuard: false });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(
      /self-signed certificate in certificate chain/,
    );
    const ssl = (pool.pool as unknown as { config: { connectionConfig: { ssl: unknown } } }).config
      .connectionConfig.ssl as {
      ca: string[];
      rejectUnauthorized: boolean;
      verifyIdentity: boolean;
    };
    expect(ssl).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true });
    expect(ssl.ca.length).toBeGreaterThan(tls.rootCertificates.length + 100);
  });

  it("the caller's ssl option wins over the secret's", async () => {
    const secretId = await secretWith({ ssl: true });
    await using pool = createPool({ secretId, client, ssl: { ca } });
    expect(await sslCipher(pool)).not.toBe('');
  });

  it.each([
    ['absent', {}],
    ['false', { ssl: false }],
    ['"false"', { ssl: 'false' }],
  ])('"ssl" %s: plaintext, as mysql2 does by default', async (_label, extra) => {
    const secretId = await secretWith(extra);
    await using pool = createPool({ secretId, client });
    expect(await sslCipher(pool)).toBe('');
  });
});
