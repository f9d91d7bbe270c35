import { spawn } from 'node:child_process';

/**
 * A detached process that outlives us only to clean up: when the parent process dies
 * without running its exit handlers (SIGKILL, an unhandled signal, a crashed test
 * worker), it SIGKILLs the server whose pid is in `pidFile` (its process group when it
 * leads one) and removes `dir`.
 * Node has no PR_SET_PDEATHSIG, so polling the parent is the portable way.
 */
const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const [parentPid, pidFile, dir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const timer = setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0);
  if (alive(Number(parentPid))) return;
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const cmdline = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8');
    // A server spawned detached (PostgreSQL) leads a process group: kill its backends too.
    if (cmdline.includes(dir)) { try { process.kill(-pid, 'SIGKILL'); } catch { process.kill(pid, 'SIGKILL'); } }
  } catch {}
  setTimeout(() => { fs.rmSync(dir, { recursive: true, force: true }); process.exit(0); }, 300);
  clearInterval(timer);
}, 250);
`;

export interface Watchdog {
  stop(): void;
}

export function startWatchdog(pidFile: string, dir: string): Watchdog {
  const child = spawn(
    process.execPath,
    ['-e', WATCHDOG_SOURCE, String(process.pid), pidFile, dir],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  // Unref'd: it outlives us on purpose (docs/architecture.md "Timers and the event loop").
  child.unref();
  return {
    stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
