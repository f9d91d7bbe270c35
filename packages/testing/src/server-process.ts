import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

/** A server process started by this process and the temp dir it lives in. */
export interface TrackedServer {
  child: ChildProcess | undefined;
  dir: string;
  /** The child leads its own process group (spawned detached): kill the whole group. */
  processGroup?: boolean;
}

/** Servers started by this process, killed synchronously if the process exits without stop(). */
const liveServers = new Set<TrackedServer>();
let exitHookInstalled = false;

/** Kills and removes `server` when this process exits, unless `untrackServer` came first. */
export function trackServer(server: TrackedServer): void {
  liveServers.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const entry of liveServers) {
      killNow(entry, 'SIGKILL');
      try {
        // A killed server may still be writing for a moment; the watchdog is the backstop.
        rmSync(entry.dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // the watchdog removes it once we are gone
      }
    }
  });
}

export function untrackServer(server: TrackedServer): void {
  liveServers.delete(server);
}

/** Sends `signal` to the server (its whole process group when it has one). */
export function killNow(server: TrackedServer, signal: NodeJS.Signals): void {
  const { child } = server;
  if (!child) return;
  if (server.processGroup && child.pid !== undefined) {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // the group is gone already; fall through to the child itself
    }
  }
  child.kill(signal);
}

export function readLogTail(logFile: string, lines = 25): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
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

/** `signal`, then SIGKILL if the server has not exited within `graceMs`. */
export async function stopServerProcess(
  server: TrackedServer,
  signal: NodeJS.Signals,
  graceMs = 30_000,
): Promise<void> {
  const child = server.child;
  if (!child) return;
  killNow(server, signal);
  if (!(await waitForExit(child, graceMs))) {
    killNow(server, 'SIGKILL');
    await waitForExit(child, 10_000);
  }
  server.child = undefined;
}
