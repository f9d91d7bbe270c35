// TLS against a MariaDB that has it: CA bundle (PEM text or path), host name verification,
// no silent downgrade.
import {
  createDatabaseUser,
  createTestCertificates,
  type MysqlServer,
  startMysql,
  type TestCertificates,
} from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../src/database/driver.js';
import { mysql } from '../src/database/mysql/driver.js';
import { TlsRequiredError } from '../src/errors.js';
import { resolveOptions } from '../src/options.js';
import { captureLogger, connectOptions } from './helpers.js';

let certs: TestCertificates | undefined;
let db: MysqlServer;
let ca: string;
let user: { username: string; password: string };
const driver = mysql();

beforeAll(async () => {
  certs = await createTestCertificates();
  ca = certs.caPem;
  db = await startMysql({ serverArgs: certs.serverArgs });
  user = await createDatabaseUser(db, { privileges: [] });
}, 120_000);

afterAll(async () => {
  await db?.stop();
  certs?.remove();
});

const target = (overrides: Partial<DatabaseTarget>): DatabaseTarget => ({
  host: 'localhost',
  port: db.port,
  username: user.username,
  password: user.password,
  ssl: true,
  ...overrides,
});

describe('TLS to a server that has it', () => {
  it('connects with TLS when the CA is given and the name matches', async () => {
    const session = await driver.connect(
      target({}),
      connectOptions({ tls: { strict: false, ca } }),
    );
    try {
      expect(session.tls).toBe(true);
      await session.ping();
    } finally {
      await session.close();
    }
  });

  it('refuses a certificate from an unknown CA (Node does not trust it by default)', async () => {
    const error = await driver.connect(target({}), connectOptions()).catch((e) => e);
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect(error.reason).toBe('tls');
    expect(error.message).toMatch(
      /TLS is required and failed .*self-signed certificate in certificate chain/,
    );
  });

  it('refuses a certificate for another host name', async () => {
    // The same server by IP address: the certificate names only localhost.
    const error = await driver
      .connect(target({ host: '127.0.0.1' }), connectOptions({ tls: { strict: false, ca } }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(error.message).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
  });

  it('with no ssl key, an untrusted certificate means plaintext only with a warning; strict refuses', async () => {
    const logger = captureLogger();
    const session = await driver.connect(target({ ssl: undefined }), connectOptions({ logger }));
    try {
      expect(session.tls).toBe(false);
    } finally {
      await session.close();
    }
    expect(logger.entries.filter((e) => e.level === 'warn')[0]?.message).toMatch(/UNENCRYPTED/);
    const strict = await driver
      .connect(target({ ssl: undefined }), connectOptions({ tls: { strict: true, ca: undefined } }))
      .catch((e) => e);
    expect(strict).toBeInstanceOf(TlsRequiredError);
  });

  it('reads the CA bundle from a file path given as tls.ca', async () => {
    const resolved = resolveOptions({
      strategy: 'single-user',
      database: driver,
      env: {},
      tls: { ca: certs!.caFile },
      clientConfig: { region: 'us-east-1' },
    });
    const session = await driver.connect(target({}), connectOptions({ tls: resolved.tls }));
    try {
      expect(session.tls).toBe(true);
    } finally {
      await session.close();
    }
    resolved.client.destroy();
  });
});
