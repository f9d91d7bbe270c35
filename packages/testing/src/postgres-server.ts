import { execFile, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import pg from 'pg';
import { PostgresStartError, TestingError } from './errors.js';
import {
  ensureRunnableBy,
  findPostgresBinaries,
  type PostgresBinaries,
} from './postgres-binaries.js';
import { type PostgresRunAs, postgresRunAs, spawnIdentity } from './postgres-run-as.js';
import { ServerProcess } from './server-process.js';
import { createTestCertificates } from './test-certificates.js';

const execFileAsync = promisify(execFile);

/** A superuser (scram-sha-256) of a PostgreSQL server, for test setup. */
export interface PostgresAdmin {
  username: string;
  password: string;
  /** @default 'postgres' */
  database: string;
}

/** Where a PostgreSQL server listens and how to administer it. */
export interface PostgresConnectionInfo {
  host: string;
  port: number;
  /** The server's version number, e.g. `15.20`. */
  version: string;
  major: number;
  admin: PostgresAdmin;
  /** PEM of the CA that signed the server's certificate; undefined without TLS (or external). */
  ca: string | undefined;
  /** Whether the server accepts TLS (`ssl=on`). Plain TCP is accepted either way. */
  tls: boolean;
  /** The server's log (stderr), undefined for an external server. */
  logFile: string | undefined;
  /** `postgres://ADMIN:PASSWORD@HOST:PORT/postgres` */
  url: string;
  /** True when the server was given by `ROTAKIT_TEST_POSTGRES_URL` rather than started here. */
  external: boolean;
}

export interface PostgresServer extends PostgresConnectionInfo {
  /** The temp directory (`rotakit-postgres-*`) holding data, socket, certificates, log. */
  dir: string;
  binaries: PostgresBinaries;
  /** The OS account running the server: yourself, or `postgres`/`nobody` when you are root. */
  runAs: string;
  /** PID of the postmaster, or undefined while it is down. */
  readonly pid: number | undefined;
  /** Fast shutdown (SIGINT: ends sessions), then removes the temp directory. Idempotent. */
  stop(): Promise<void>;
  /** Fast shutdown and start again on the same port with the same data. */
  restart(): Promise<void>;
  /** SIGKILL to the postmaster and its backends, as a crash would; the data stays for `restart()`. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartPostgresOptions {
  /** The major version: Debian's `/usr/lib/postgresql/<major>`, or the npm package's. @default the newest Debian one */
  major?: number;
  /** A directory holding `initdb` and `postgres`, instead of looking. */
  binDir?: string;
  /** Serve TLS with a certificate for `localhost` and `127.0.0.1` from a private CA. @default true */
  tls?: boolean;
  /**
   * pg_hba.conf lines instead of ours (`local`, `hostssl`, `host` for 127.0.0.1, all
   * scram-sha-256). They must let the admin, `rotakit_admin`, in over TCP from 127.0.0.1.
   */
  hba?: readonly string[];
  /** postgresql.conf settings (`-c name=value`), after ours, e.g. `{ log_statement: 'all' }`. */
  settings?: Record<string, string>;
  /** @default a free port on 127.0.0.1 */
  port?: number;
  /** How long to wait for the server to accept logins. @default 60000 */
  startupTimeoutMs?: number;
  signal?: AbortSignal;
}

const HOST = '127.0.0.1';
const ADMIN_USER = 'rotakit_admin';
const ADMIN_DATABASE = 'postgres';

/**
 * Speed over durability against a machine crash (a test server's data is thrown away),
 * room for pool tests. Commits still reach the kernel before they return
 * (synchronous_commit stays on), so a killed server (`kill()`, a crash test) keeps them.
 */
const FAST_SETTINGS: Record<string, string> = {
  fsync: 'off',
  full_page_writes: 'off',
  max_connections: '400',
  shared_buffers: '32MB',
  password_encryption: 'scram-sha-256',
  logging_collector: 'off',
};

interface ServerCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** One CA and server certificate per process: openssl takes a while, and they are private anyway. */
let certificates: Promise<ServerCertificates> | undefined;

function serverCertificates(): Promise<ServerCertificates> {
  certificates ??= makeCertificates().catch((error: unknown) => {
    certificates = undefined;
    throw error;
  });
  return certificates;
}

async function makeCertificates(): Promise<ServerCertificates> {
  const certs = await createTestCertificates({
    dnsNames: ['localhost'],
    ipAddresses: [HOST],
    caName: 'rotakit test PostgreSQL CA',
    keyAlgorithm: 'ec',
  });
  try {
    return {
      caPem: certs.caPem,
      certPem: readFileSync(certs.certFile, 'utf8'),
      keyPem: readFileSync(certs.keyFile, 'utf8'),
    };
  } finally {
    certs.remove();
  }
}

function hbaConf(tls: boolean): string {
  // Clients choose: `hostssl` for TLS, `host` matches both; scram everywhere, never trust.
  return [
    'local all all scram-sha-256',
    ...(tls ? ['hostssl all all 127.0.0.1/32 scram-sha-256'] : []),
    'host all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n');
}

/** One private server: its data dir, TLS, admin password and how to run and probe it. */
class PrivatePostgres extends ServerProcess {
  readonly dataDir = join(this.dir, 'data');
  readonly adminPassword = randomBytes(18).toString('base64url');
  readonly runAs: PostgresRunAs = postgresRunAs();
  readonly tls: boolean;
  ca: string | undefined;

  constructor(
    readonly binaries: PostgresBinaries,
    readonly options: StartPostgresOptions,
  ) {
    super({
      command: binaries.postgres,
      dirPrefix: 'rotakit-postgres-',
      logName: 'postgres.log',
      logOutput: true,
      // Its own process group, so kill() and the watchdog reach the backends too.
      processGroup: true,
      host: HOST,
      readiness: 'accept logins',
      portTaken: /could not bind|address already in use/i,
      startError: PostgresStartError.of,
      options,
    });
    this.tls = options.tls ?? true;
    this.#giveToServerAccount(this.dir);
  }

  #giveToServerAccount(path: string): void {
    const { uid, gid } = this.runAs;
    if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
  }

  /** A file only the server account may read (postgres insists on 0600 for its key). */
  #writePrivate(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    this.#giveToServerAccount(path);
    return path;
  }

  async initialise(): Promise<void> {
    // openssl and initdb are independent; on a busy machine each takes seconds.
    await Promise.all([this.tls ? this.#installCertificates() : undefined, this.#initdb()]);
    const hba = this.options.hba ? [...this.options.hba, ''].join('\n') : hbaConf(this.tls);
    writeFileSync(join(this.dataDir, 'pg_hba.conf'), hba);
  }

  async #installCertificates(): Promise<void> {
    const certs = await serverCertificates();
    this.#writePrivate('server.crt', certs.certPem);
    this.#writePrivate('server.key', certs.keyPem);
    this.ca = certs.caPem;
  }

  async #initdb(): Promise<void> {
    const pwfile = this.#writePrivate('pwfile', this.adminPassword);
    const args = [
      '-D',
      this.dataDir,
      '-U',
      ADMIN_USER,
      '-A',
      'scram-sha-256',
      `--pwfile=${pwfile}`,
    ];
    args.push('-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions');
    try {
      await execFileAsync(this.binaries.initdb, args, {
        ...spawnIdentity(this.runAs),
        cwd: this.dir,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
    } catch (error) {
      this.options.signal?.throwIfAborted();
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw PostgresStartError.of(
        `${this.binaries.initdb} failed to create a data directory (as ${this.runAs.name})`,
        `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n'),
        { cause: error },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  protected override serverArgs(): string[] {
    const settings: Record<string, string> = {
      listen_addresses: HOST,
      unix_socket_directories: this.dir,
      ...FAST_SETTINGS,
      ...(this.tls
        ? {
            ssl: 'on',
            ssl_cert_file: join(this.dir, 'server.crt'),
            ssl_key_file: join(this.dir, 'server.key'),
          }
        : { ssl: 'off' }),
      ...this.options.settings,
    };
    const args = ['-D', this.dataDir, '-p', String(this.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    return args;
  }

  protected override spawnOptions(): SpawnOptions {
    return { ...spawnIdentity(this.runAs), cwd: this.dir };
  }

  /** Ready once the admin logs in over TCP (what every test does next). */
  protected override async checkReady(): Promise<void> {
    const client = new pg.Client({
      host: HOST,
      port: this.port,
      user: ADMIN_USER,
      password: this.adminPassword,
      database: ADMIN_DATABASE,
      connectionTimeoutMillis: 2000,
    });
    try {
      await client.connect();
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Starts a private PostgreSQL server from the installed binaries (Debian's, or an npm
 * package's for other majors) in a fresh temp dir on a free loopback port: scram-sha-256
 * for every login, TLS on by default, a superuser with a random password. Runs as
 * `postgres` (or `nobody`) when you are root. It is torn down by `stop()` and when this
 * process exits, and a detached watchdog removes it if this process is killed.
 *
 * @example
 * await using server = await startPostgres({ major: 17 });
 * await withPostgresAdmin(server, (client) => client.query('SELECT 1'));
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binaries = await findPostgresBinaries({ major: options.major, binDir: options.binDir });
  await ensureRunnableBy(binaries, postgresRunAs());
  options.signal?.throwIfAborted();
  const proc = new PrivatePostgres(binaries, options);
  try {
    await proc.initialise();
    await proc.startOnFreePort();
  } catch (error) {
    // The start's failure is the news; a dir that will not go yet is the watchdog's.
    await proc.remove('SIGKILL').catch(() => undefined);
    throw error;
  }
  return serverHandle(proc);
}

/** The public handle of a started server; the admin password hidden from inspect and JSON. */
function serverHandle(proc: PrivatePostgres): PostgresServer {
  let stopped = false;
  const { port, binaries } = proc;
  const admin = { username: ADMIN_USER, password: proc.adminPassword, database: ADMIN_DATABASE };
  const server: PostgresServer = {
    host: HOST,
    port,
    version: binaries.version,
    major: binaries.major,
    admin,
    ca: proc.ca,
    tls: proc.tls,
    logFile: proc.logFile,
    url: postgresUrl(HOST, port, admin),
    external: false,
    dir: proc.dir,
    binaries,
    runAs: proc.runAs.name,
    get pid() {
      return proc.entry.child?.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.remove('SIGINT');
    },
    async restart() {
      if (stopped) throw new TestingError('restart() called after stop()');
      await proc.shutdown('SIGINT');
      await proc.spawn();
    },
    async kill() {
      if (stopped) throw new TestingError('kill() called after stop()');
      await proc.shutdown('SIGKILL');
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  return hidePostgresPassword(server);
}

export function postgresUrl(host: string, port: number, admin: PostgresAdmin): string {
  const user = encodeURIComponent(admin.username);
  const password = encodeURIComponent(admin.password);
  return `postgres://${user}:${password}@${host}:${port}/${encodeURIComponent(admin.database)}`;
}

/** Keeps the admin password out of `console.log`/`inspect` and JSON of the server object. */
export function hidePostgresPassword<T extends PostgresConnectionInfo>(info: T): T {
  const redacted = () => ({
    host: info.host,
    port: info.port,
    version: info.version,
    admin: { username: info.admin.username, password: '[redacted]', database: info.admin.database },
    tls: info.tls,
    external: info.external,
  });
  const redactedAdmin = () => redacted().admin;
  Object.defineProperty(info, inspect.custom, { value: redacted, enumerable: false });
  Object.defineProperty(info, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(info.admin, inspect.custom, { value: redactedAdmin, enumerable: false });
  Object.defineProperty(info.admin, 'toJSON', { value: redactedAdmin, enumerable: false });
  return info;
}
