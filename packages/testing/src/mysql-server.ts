import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect, promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { MysqlStartError, TestingError } from './errors.js';
import { findFreePort } from './free-port.js';
import { findMysqlBinaries, type MysqlBinaries, type MysqlFlavor } from './mysql-binaries.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

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

/** Servers started by this process, killed synchronously if the process exits without stop(). */
const liveServers = new Set<{ child: ChildProcess | undefined; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const entry of liveServers) {
      entry.child?.kill('SIGKILL');
      rmSync(entry.dir, { recursive: true, force: true });
    }
  });
}

function readLogTail(logFile: string, lines = 25): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    // Deliberately ref'd: the child itself is unref'd, so this bounded timer is what keeps
    // the event loop alive while a caller awaits the shutdown.
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

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
  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'rotakit-mysql-'));
  const dataDir = join(dir, 'data');
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir);
  const socketPath = join(dir, 'mysqld.sock');
  const logFile = join(dir, 'error.log');
  const childPidFile = join(dir, 'server.pid');
  const entry: { child: ChildProcess | undefined; dir: string } = { child: undefined, dir };
  liveServers.add(entry);
  installExitHook();
  const watchdog: Watchdog = startWatchdog(childPidFile, dir);
  const adminPassword = randomBytes(18).toString('base64url');
  let port = options.port ?? 0;
  let stopped = false;

  const serverArgs = (): string[] => [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    `--bind-address=${HOST}`,
    `--socket=${socketPath}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${logFile}`,
    `--tmpdir=${tmpDir}`,
    '--skip-name-resolve',
    '--max-connections=2000',
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=2',
    ...(binaries.flavor === 'mysql' ? ['--mysqlx=OFF', '--skip-log-bin'] : ['--skip-log-bin']),
    ...runAsRootArgs(),
    ...(options.serverArgs ?? []),
  ];

  const spawnServer = async (): Promise<void> => {
    const child = spawn(binaries.server, serverArgs(), { stdio: 'ignore' });
    // Don't keep the event loop alive for the server: the exit hook and the watchdog end it
    // (docs/architecture.md "Timers and the event loop").
    child.unref();
    entry.child = child;
    if (child.pid !== undefined) writeFileSync(childPidFile, String(child.pid));
    const deadline = Date.now() + startupTimeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      options.signal?.throwIfAborted();
      if (child.exitCode !== null || child.signalCode !== null) {
        throw MysqlStartError.of(
          `${binaries.server} exited during startup (code ${child.exitCode}, signal ${child.signalCode})`,
          readLogTail(logFile),
        );
      }
      try {
        const conn = await createConnection({
          host: HOST,
          port,
          user: ADMIN_USER,
          password: adminPassword,
          connectTimeout: 2000,
        });
        await conn.end();
        return;
      } catch (error) {
        lastError = error;
        if ((error as { errno?: number }).errno === 1045 && (await bootstrapAdmin())) return;
      }
      // Ref'd on purpose: the unref'd child does not keep the loop alive while we poll.
      await sleep(100);
    }
    throw MysqlStartError.of(
      `${binaries.server} did not accept connections on ${HOST}:${port} within ${startupTimeoutMs} ms`,
      readLogTail(logFile),
      { cause: lastError },
    );
  };

  // The fresh data dir only has root (no password) over the socket; create our admin once.
  let bootstrapped = false;
  const bootstrapAdmin = async (): Promise<boolean> => {
    if (bootstrapped) return false;
    const root = await createConnection({ socketPath, user: 'root', password: '' });
    try {
      await root.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [
        ADMIN_USER,
        '%',
        adminPassword,
      ]);
      await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ADMIN_USER, '%']);
    } finally {
      await root.end();
    }
    bootstrapped = true;
    return true;
  };

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    const child = entry.child;
    if (!child) return;
    child.kill(signal);
    if (!(await waitForExit(child, 30_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 10_000);
    }
    entry.child = undefined;
  };

  try {
    await initialiseDataDir(binaries, dataDir, tmpDir, logFile);
    for (let attempt = 1; ; attempt++) {
      if (!options.port) port = await findFreePort(HOST);
      try {
        await spawnServer();
        break;
      } catch (error) {
        // Another process may have taken the free port between our probe and the bind.
        const portTaken = /address already in use|bind on tcp\/ip port/i.test(readLogTail(logFile));
        if (!portTaken || options.port || attempt >= 3) throw error;
        await shutdown('SIGKILL');
      }
    }
  } catch (error) {
    await shutdown('SIGKILL');
    watchdog.stop();
    rmSync(dir, { recursive: true, force: true });
    liveServers.delete(entry);
    throw error;
  }

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
    dir,
    get pid() {
      return entry.child?.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await shutdown('SIGTERM');
      watchdog.stop();
      rmSync(dir, { recursive: true, force: true });
      liveServers.delete(entry);
    },
    async restart() {
      if (stopped) throw new TestingError('restart() called after stop()');
      await shutdown('SIGTERM');
      await spawnServer();
    },
    async kill() {
      if (stopped) throw new TestingError('kill() called after stop()');
      await shutdown('SIGKILL');
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
