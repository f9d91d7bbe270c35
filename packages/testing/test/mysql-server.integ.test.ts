import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canLogin,
  createDatabaseUser,
  MysqlBinaryNotFoundError,
  type MysqlServer,
  MysqlStartError,
  startMysql,
  withAdmin,
} from '../src/index.js';
import { eventually, isRunning } from './process-utils.js';

describe('startMysql', () => {
  let server: MysqlServer;

  beforeAll(async () => {
    server = await startMysql();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts a private server on a loopback port that the admin account can use', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).not.toBe(3306);
    expect(server.pid && isRunning(server.pid)).toBe(true);
    const version = await withAdmin(server, async (admin) => {
      const [rows] = await admin.query('SELECT VERSION() AS v');
      return (rows as Array<{ v: string }>)[0]?.v;
    });
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    // The parsed --version line is the number the server reports, not "Ver".
    expect(server.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(version?.startsWith(server.version)).toBe(true);
    expect(server.versionLine).toContain(server.version);
  });

  it('creates users that can log in, and reports the errno when they cannot', async () => {
    const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
    await expect(canLogin(user)).resolves.toEqual({ ok: true });
    const denied = await canLogin({ ...user, password: `${user.password}x` });
    expect(denied).toMatchObject({ ok: false, errno: 1045, sqlState: '28000' });
  });

  it('survives kill (SIGKILL) and restart with its data', async () => {
    const user = await createDatabaseUser(server);
    const pidBefore = server.pid!;
    await server.kill();
    expect(isRunning(pidBefore)).toBe(false);
    expect(server.pid).toBeUndefined();
    const down = await canLogin({ ...user, connectTimeoutMs: 1000 });
    expect(down).toMatchObject({ ok: false, code: 'ECONNREFUSED' });

    await server.restart();
    expect(server.pid).not.toBe(pidBefore);
    await expect(canLogin(user)).resolves.toEqual({ ok: true });
  });

  it('restarts gracefully keeping the same port', async () => {
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    await expect(withAdmin(server, (admin) => admin.query('SELECT 1'))).resolves.toBeDefined();
  });

  it('keeps the admin password out of inspect and JSON', () => {
    expect(inspect(server)).not.toContain(server.adminPassword);
    expect(JSON.stringify(server)).not.toContain(server.adminPassword);
  });
});

describe('teardown', () => {
  it('stop() ends the process and removes the temp dir', async () => {
    const server = await startMysql();
    const { pid, dir } = server;
    expect(existsSync(dir)).toBe(true);
    await server.stop();
    expect(isRunning(pid!)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await server.stop(); // idempotent
  });

  const distEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  // The child starts a server from the built package and either exits without calling
  // stop() or is SIGKILLed; either way nothing may be left behind.
  async function startInChild(): Promise<{
    child: ReturnType<typeof spawn>;
    pid: number;
    dir: string;
  }> {
    if (!existsSync(distEntry))
      throw new Error(`build @rotakit/testing first (missing ${distEntry})`);
    const source = `
      const { startMysql } = await import(${JSON.stringify(distEntry)});
      const server = await startMysql();
      console.log(JSON.stringify({ pid: server.pid, dir: server.dir }));
      process.stdin.on('data', () => process.exit(0));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    return { child, ...(JSON.parse(line) as { pid: number; dir: string }) };
  }

  it('a process that exits without stop() leaves no server or temp dir behind', async () => {
    const { child, pid, dir } = await startInChild();
    expect(isRunning(pid)).toBe(true);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.write('exit\n');
    await exited;
    expect(await eventually(() => !isRunning(pid) && !existsSync(dir))).toBe(true);
  });

  it('a process killed with SIGKILL leaves no server or temp dir behind (watchdog)', async () => {
    const { child, pid, dir } = await startInChild();
    expect(isRunning(pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await eventually(() => !isRunning(pid) && !existsSync(dir))).toBe(true);
  });
});

describe('a server that cannot start', () => {
  const ownDirs = () =>
    new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('rotakit-mysql-')));

  it('fails with a typed error carrying its log tail, and leaves no temp dir', async () => {
    const before = ownDirs();
    const failure = startMysql({ serverArgs: ['--rotakit-no-such-option'] });
    const error = await failure.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MysqlStartError);
    expect((error as MysqlStartError).message).toMatch(/exited during startup \(code \d+/);
    expect((error as MysqlStartError).logTail).toMatch(/rotakit-no-such-option/);
    // Other servers may start meanwhile: look for ours by its log.
    const ours = [...ownDirs()].filter((dir) => {
      const log = join(tmpdir(), dir, 'error.log');
      return !before.has(dir) && existsSync(log) && readFileSync(log, 'utf8').includes('no-such');
    });
    expect(ours).toEqual([]);
  });
});

describe('missing binary', () => {
  it('fails with one message that says how to get a server', async () => {
    const failure = startMysql({ binary: '/nonexistent/mariadbd' });
    await expect(failure).rejects.toBeInstanceOf(MysqlBinaryNotFoundError);
    await expect(failure).rejects.toThrow(
      /apt-get install -y mariadb-server.*ROTAKIT_TEST_MYSQL_URL/s,
    );
  });
});
