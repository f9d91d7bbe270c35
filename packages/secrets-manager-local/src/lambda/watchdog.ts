import { spawn } from 'node:child_process';

/**
 * A detached process that outlives us only to clean up: when this process dies without
 * running its exit handlers (SIGKILL, a crashed test worker), it SIGKILLs the sandbox's
 * process group. It first checks that the pid still runs our sandbox (its environment
 * names our Runtime API address), so a reused pid is left alone. Node has no
 * PR_SET_PDEATHSIG, so polling the parent is the portable way (as @rotakit/testing does).
 */
const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const [parentPid, childPid, marker] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
setInterval(() => {
  if (!alive(childPid)) process.exit(0);
  if (alive(parentPid)) return;
  try {
    const environ = fs.readFileSync('/proc/' + childPid + '/environ', 'latin1');
    if (environ.includes(marker)) process.kill(-Number(childPid), 'SIGKILL');
  } catch {}
  process.exit(0);
}, 250);
`;

export interface SandboxWatchdog {
  stop(): void;
}

/** Kills the process group of `childPid` once this process is gone. */
export function watchSandbox(childPid: number, marker: string): SandboxWatchdog {
  const watchdog = spawn(
    process.execPath,
    ['-e', WATCHDOG_SOURCE, String(process.pid), String(childPid), marker],
    { detached: true, stdio: 'ignore', env: {} },
  );
  watchdog.unref();
  return {
    stop() {
      if (watchdog.exitCode === null && watchdog.pid !== undefined) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
