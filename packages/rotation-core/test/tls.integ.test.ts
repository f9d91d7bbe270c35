// TLS against a MariaDB that has it: CA bundle (PEM text or path), host name verification,
// no silent downgrade.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseUser, type MysqlServer, startMysql } from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../src/database/driver.js';
import { mysql } from '../src/database/mysql/driver.js';
import { TlsRequiredError } from '../src/errors.js';
import { resolveOptions } from '../src/options.js';
import { captureLogger, connectOptions } from './helpers.js';

let dir: string;
let db: MysqlServer;
let ca: string;
let user: { username: string; password: string };
const driver = mysql();

function openssl(args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA and a server certificate for `localhost` (the only name it is valid for). */
function makeCertificates() {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=rotakit test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
    '-out',
    'server.pem',
  ]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rotakit-tls-'));
  makeCertificates();
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  db = await startMysql({
    serverArgs: [
      `--ssl-ca=${join(dir, 'ca.pem')}`,
      `--ssl-cert=${join(dir, 'server.pem')}`,
      `--ssl-key=${join(dir, 'server.key')}`,
    ],
  });
  user = await createDatabaseUser(db, { privileges: [] });
}, 120_000);

afterAll(async () => {
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
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
      tls: { ca: join(dir, 'ca.pem') },
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
