import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestingError } from './errors.js';

const execFileAsync = promisify(execFile);

/** A private CA and a server certificate it signed, as files and PEM text. */
export interface TestCertificates {
  dir: string;
  /** The CA certificate (PEM), to trust in clients. */
  caPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Server arguments that turn TLS on with this certificate (MariaDB and MySQL). */
  serverArgs: readonly string[];
  /** Removes the files. */
  remove(): void;
}

export interface CreateTestCertificatesOptions {
  /** Names in the server certificate's subjectAltName. @default ['localhost'] */
  dnsNames?: readonly string[];
  /** IP addresses in the subjectAltName. @default [] */
  ipAddresses?: readonly string[];
  /** @default 'rotakit test CA' */
  caName?: string;
  /** `'ec'` (P-256) keys generate in milliseconds where RSA takes a second or more. @default 'rsa' */
  keyAlgorithm?: 'rsa' | 'ec';
}

/**
 * Makes a CA of its own and a server certificate for the given names with `openssl`, for
 * tests of verified TLS against `startMysql({ serverArgs: certs.serverArgs })`.
 *
 * @example
 * const certs = await createTestCertificates();
 * const db = await startMysql({ serverArgs: certs.serverArgs });
 */
export async function createTestCertificates(
  options: CreateTestCertificatesOptions = {},
): Promise<TestCertificates> {
  const dnsNames = options.dnsNames ?? ['localhost'];
  const ipAddresses = options.ipAddresses ?? [];
  const dir = mkdtempSync(join(tmpdir(), 'rotakit-certs-'));
  const openssl = async (args: string[]) => {
    try {
      await execFileAsync('openssl', args, { cwd: dir });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new TestingError(
        missing
          ? 'openssl is not installed (apt-get install -y openssl)'
          : `openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? error}`,
        { cause: error },
      );
    }
  };
  const newKey =
    options.keyAlgorithm === 'ec'
      ? ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
      : ['rsa:2048'];
  const ca = ['-subj', `/CN=${options.caName ?? 'rotakit test CA'}`];
  await openssl([
    'req',
    '-x509',
    '-newkey',
    ...newKey,
    '-nodes',
    '-days',
    '2',
    ...ca,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  await openssl([
    'req',
    '-newkey',
    ...newKey,
    '-nodes',
    '-subj',
    `/CN=${dnsNames[0] ?? ipAddresses[0] ?? 'localhost'}`,
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  const altNames = [...dnsNames.map((n) => `DNS:${n}`), ...ipAddresses.map((ip) => `IP:${ip}`)];
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${altNames.join(',')}\n`);
  await openssl([
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
  const caFile = join(dir, 'ca.pem');
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  return {
    dir,
    caPem: readFileSync(caFile, 'utf8'),
    caFile,
    certFile,
    keyFile,
    serverArgs: [`--ssl-ca=${caFile}`, `--ssl-cert=${certFile}`, `--ssl-key=${keyFile}`],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
