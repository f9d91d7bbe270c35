// A test process that dies must not leave a PostgreSQL behind: not the postmaster, not a
// backend, not its temp dir. The child starts a server from the built package and then
// either exits without stop() (the exit hook) or is SIGKILLed (the watchdog).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, isRunning } from './process-utils.js';

const distEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** PIDs of live processes whose command line mentions `dir` (the postmaster and its backends). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dir) && isRunning(Number(entry))) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

async function startInChild(major: number) {
  if (!existsSync(distEntry))
    throw new Error(`build @rotakit/testing first (missing ${distEntry})`);
  const source = `
    const { startPostgres, withPostgresAdmin } = await import(${JSON.stringify(distEntry)});
    const server = await startPostgres({ major: ${major} });
    // A session open at the moment of death: its backend must go too.
    await withPostgresAdmin(server, async (admin) => {
      await admin.query('SELECT 1');
      console.log(JSON.stringify({ pid: server.pid, dir: server.dir }));
      await new Promise(() => process.stdin.on('data', () => process.exit(0)));
    });
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

describe('PostgreSQL teardown when the test process dies', { timeout: 60_000 }, () => {
  it('a process that exits without stop() leaves no server, backend or temp dir (15)', async () => {
    const { child, pid, dir } = await startInChild(15);
    expect(isRunning(pid)).toBe(true);
    expect(processesIn(dir).length).toBeGreaterThan(1); // postmaster + backends
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.write('exit\n');
    await exited;
    expect(await eventually(() => processesIn(dir).length === 0 && !existsSync(dir))).toBe(true);
  });

  it('a process killed with SIGKILL leaves no server, backend or temp dir (17, watchdog)', async () => {
    const { child, pid, dir } = await startInChild(17);
    expect(isRunning(pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await eventually(() => processesIn(dir).length === 0 && !existsSync(dir))).toBe(true);
  });
});
