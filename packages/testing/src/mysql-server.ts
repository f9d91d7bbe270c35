import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { MysqlStartError, TestingError } from './errors.js';
import { findMysqlBinaries, type MysqlBinaries, type MysqlFlavor } from './mysql-binaries.js';
import { readLogTail, ServerProcess } from './server-process.js';

const execFileAsync = promisify(execFile);

/** Connection details of a MySQL/MariaDB server with an administrative account. */
export interface MysqlConnectionInfo {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  /** `mysql://ADMIN:PASSWORD@HOST:PORT` */
  url: string;
  /** True when the server was given by `ROTAKIT_TEST_MYSQL_URL` rather than started here. */
  external: boolean;
}

export interface MysqlServer extends MysqlConnectionInfo {
  flavor: MysqlFlavor | 'unknown';
  /** The server's version number, e.g. `10.11.19` (what `SELECT VERSION()` starts with). */
  version: string;
  /** The server's whole `--version` line, e.g. `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for …`. */
  versionLine: string;
  /** The temp directory holding the data dir, socket and log; removed by `stop()`. */
  dir: string;
  /** PID of the running server process, or undefined while it is down. */
  readonly pid: number | undefined;
  /** Graceful shutdown (SIGTERM), then removes the temp directory. Idempotent. */
  stop(): Promise<void>;
  /** Graceful shutdown and start again on the same port with the same data. */
  restart(): Promise<void>;
  /** SIGKILL, as a crash would; the data dir stays so `restart()` can bring it back. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartMysqlOptions {
  /** Path to `mariadbd` or `mysqld`. @default found on PATH, then in /usr/sbin */
  binary?: string;
  /** @default a free port on 127.0.0.1 */
  port?: number;
  /** Extra server arguments, e.g. `['--max-connect-errors=5']`. */
  serverArgs?: readonly string[];
  /** How long to wait for the server to accept connections. @default 60000 */
  startupTimeoutMs?: number;
  signal?: AbortSignal;
}

const HOST = '127.0.0.1';
const ADMIN_USER = 'rotakit_admin';

function runAsRootArgs(): string[] {
  // mysqld refuses to run as root unless told to; as any other user it runs as that user.
  return process.getuid?.() === 0 ? ['--user=root'] : [`--user=${userInfo().username}`];
}

async function initialiseDataDir(
  binaries: MysqlBinaries,
  dataDir: string,
  tmpDir: string,
  logFile: string,
) {
  try {
    if (binaries.flavor === 'mariadb' && binaries.installDb) {
      await execFileAsync(binaries.installDb, [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        // Its own temp dir: bootstrap temp tables in the shared /tmp collided with other jobs
        // ("Could not remove temporary table '/tmp/#sql-temptable…'").
        `--tmpdir=${tmpDir}`,
        ...runAsRootArgs(),
      ]);
    } else {
      await execFileAsync(binaries.server, [
        '--no-defaults',
        '--initialize-insecure',
        `--datadir=${dataDir}`,
        `--log-error=${logFile}`,
        ...runAsRootArgs(),
      ]);
    }
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw MysqlStartError.of(
      `could not initialise a data directory with ${binaries.installDb ?? binaries.server}`,
      `${stderr}\n${readLogTail(logFile)}`.trim(),
      { cause: error },
    );
  }
}

/** One private server process: its data dir, admin account and how to run and probe it. */
class PrivateServer extends ServerProcess {
  readonly dataDir = join(this.dir, 'data');
  readonly tmpDir = join(this.dir, 'tmp');
  readonly socketPath = join(this.dir, 'mysqld.sock');
  readonly adminPassword = randomBytes(18).toString('base64url');
  #bootstrapped = false;

  constructor(
    readonly binaries: MysqlBinaries,
    readonly options: StartMysqlOptions,
  ) {
    super({
      command: binaries.server,
      dirPrefix: 'rotakit-mysql-',
      logName: 'error.log',
      logOutput: false,
      processGroup: false,
      host: HOST,
      readiness: 'accept connections',
      portTaken: /address already in use|bind on tcp\/ip port/i,
      startError: MysqlStartError.of,
      options,
    });
    mkdirSync(this.tmpDir);
  }

  protected override serverArgs(): string[] {
    return [
      '--no-defaults',
      `--datadir=${this.dataDir}`,
      `--port=${this.port}`,
      `--bind-address=${HOST}`,
      `--socket=${this.socketPath}`,
      `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      `--log-error=${this.logFile}`,
      `--tmpdir=${this.tmpDir}`,
      '--skip-name-resolve',
      '--max-connections=2000',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      ...(this.binaries.flavor === 'mysql'
        ? ['--mysqlx=OFF', '--skip-log-bin']
        : ['--skip-log-bin']),
      ...runAsRootArgs(),
      ...(this.options.serverArgs ?? []),
    ];
  }

  protected override async checkReady(): Promise<void> {
    try {
      await this.#adminLogin();
    } catch (error) {
      // Access denied before we bootstrapped: the fresh data dir has no admin yet.
      if ((error as { errno?: number }).errno !== 1045 || this.#bootstrapped) throw error;
      await this.#bootstrapAdmin();
    }
  }

  async #adminLogin(): Promise<void> {
    const conn = await createConnection({
      host: HOST,
      port: this.port,
      user: ADMIN_USER,
      password: this.adminPassword,
      connectTimeout: 2000,
    });
    await conn.end();
  }

  /** The fresh data dir only has root (no password) over the socket; create our admin once. */
  async #bootstrapAdmin(): Promise<void> {
    try {
      const root = await createConnection({
        socketPath: this.socketPath,
        user: 'root',
        password: '',
      });
      try {
        await root.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [
          ADMIN_USER,
          '%',
          this.adminPassword,
        ]);
        await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ADMIN_USER, '%']);
      } finally {
        await root.end();
      }
    } catch (error) {
      // The server is up, but we cannot get in: waiting longer will not help.
      throw MysqlStartError.of(
        `could not create the admin account as root over ${this.socketPath}`,
        readLogTail(this.logFile),
        { cause: error },
      );
    }
    this.#bootstrapped = true;
  }
}

/**
 * Starts a private MariaDB/MySQL server from the installed binaries in a fresh temp dir on
 * a free loopback port and waits until it accepts connections. It has an admin account
 * with a random password, is torn down by `stop()` and when this process exits, and a
 * detached watchdog removes it if this process is killed.
 *
 * @example
 * const db = await startMysql();
 * try { ... } finally { await db.stop(); }
 */
export async function startMysql(options: StartMysqlOptions = {}): Promise<MysqlServer> {
  const binaries = await findMysqlBinaries(options.binary);
  const proc = new PrivateServer(binaries, options);
  try {
    await initialiseDataDir(binaries, proc.dataDir, proc.tmpDir, proc.logFile);
    await proc.startOnFreePort();
  } catch (error) {
    await proc.remove('SIGKILL');
    throw error;
  }
  return serverHandle(proc);
}

/** The public handle of a started server; the admin password hidden from inspect and JSON. */
function serverHandle(proc: PrivateServer): MysqlServer {
  let stopped = false;
  const { port, adminPassword, binaries } = proc;
  const server: MysqlServer = {
    host: HOST,
    port,
    adminUser: ADMIN_USER,
    adminPassword,
    url: `mysql://${ADMIN_USER}:${encodeURIComponent(adminPassword)}@${HOST}:${port}`,
    external: false,
    flavor: binaries.flavor,
    version: parseServerVersion(binaries.version),
    versionLine: binaries.version,
    dir: proc.dir,
    get pid() {
      return proc.entry.child?.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.remove('SIGTERM');
    },
    async restart() {
      if (stopped) throw new TestingError('restart() called after stop()');
      await proc.shutdown('SIGTERM');
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
  hidePassword(server);
  return server;
}

/**
 * The version number in a server's `--version` line: `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1
 * for debian-linux-gnu …` and `/usr/sbin/mysqld  Ver 8.0.36 for Linux …` give `10.11.19` and
 * `8.0.36`. A line without one is returned trimmed, as it is.
 *
 * @example
 * parseServerVersion('mysqld  Ver 8.4.2 for Linux on x86_64 (MySQL Community Server - GPL)'); // '8.4.2'
 */
export function parseServerVersion(versionLine: string): string {
  const match =
    /\bVer\s+(\d+\.\d+(?:\.\d+)?)/.exec(versionLine) ?? /\b(\d+\.\d+\.\d+)\b/.exec(versionLine);
  return match?.[1] ?? versionLine.trim();
}

/** Keeps the admin password out of `console.log`/`inspect` and JSON of the server object. */
export function hidePassword<T extends MysqlConnectionInfo>(info: T): T {
  const redacted = () => ({
    host: info.host,
    port: info.port,
    adminUser: info.adminUser,
    adminPassword: '[redacted]',
    external: info.external,
  });
  Object.defineProperty(info, inspect.custom, { value: redacted, enumerable: false });
  Object.defineProperty(info, 'toJSON', { value: redacted, enumerable: false });
  return info;
}
