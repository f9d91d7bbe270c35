import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestingError, type TestingErrorOptions } from './errors.js';
import { findFreePort } from './free-port.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

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

/** What the caller of `startMysql`/`startPostgres` decides about the start. */
export interface ServerStartOptions {
  /** A fixed port; without one, a free port on the host. */
  port?: number;
  /** How long to wait for the server to become ready. @default 60000 */
  startupTimeoutMs?: number;
  signal?: AbortSignal;
}

/** What differs between the engines' server processes (the rest is {@link ServerProcess}'s). */
export interface ServerProcessSpec {
  /** The server binary; start errors name it. */
  command: string;
  /** Prefix of the temp dir, e.g. `rotakit-mysql-`. */
  dirPrefix: string;
  /** The server's log inside the temp dir; its tail goes into every start error. */
  logName: string;
  /** True: the server writes its log to stderr, appended to the log file; false: it writes the log itself. */
  logOutput: boolean;
  /** Spawn it detached, leading its own process group, so kills and the watchdog reach its children. */
  processGroup: boolean;
  host: string;
  /** What the server does once ready, for the timeout message: `accept connections`. */
  readiness: string;
  /** Log lines saying another process took the free port between our probe and the bind. */
  portTaken: RegExp;
  /** The engine's typed start error, `(problem, logTail, { cause })`. */
  startError: (problem: string, logTail: string, options?: TestingErrorOptions) => TestingError;
  options: ServerStartOptions;
}

/**
 * One private server process: its temp dir (removed with it), the exit hook and the detached
 * watchdog that kill it if this process ends first, the spawn, the wait until it is ready
 * and the retries on another free port. Subclasses say how to run and probe their engine.
 */
export abstract class ServerProcess {
  readonly dir: string;
  readonly logFile: string;
  readonly entry: TrackedServer;
  port: number;
  readonly #spec: ServerProcessSpec;
  readonly #pidFile: string;
  readonly #watchdog: Watchdog;
  readonly #startupTimeoutMs: number;

  constructor(spec: ServerProcessSpec) {
    this.#spec = spec;
    this.dir = mkdtempSync(join(tmpdir(), spec.dirPrefix));
    this.logFile = join(this.dir, spec.logName);
    this.#pidFile = join(this.dir, 'server.pid');
    this.entry = { child: undefined, dir: this.dir, processGroup: spec.processGroup };
    trackServer(this.entry);
    this.#watchdog = startWatchdog(this.#pidFile, this.dir);
    this.port = spec.options.port ?? 0;
    this.#startupTimeoutMs = spec.options.startupTimeoutMs ?? 60_000;
  }

  /** The server's arguments for a start on `this.port`. */
  protected abstract serverArgs(): string[];
  /** Where (cwd) and as whom (uid, gid) the server runs; default: here, as ourselves. */
  protected spawnOptions(): SpawnOptions {
    return {};
  }
  /**
   * Resolves once the server is ready for the admin; rejects while it is not yet. A
   * rejection with a {@link TestingError} means it never will be: the start fails with it.
   */
  protected abstract checkReady(): Promise<void>;

  /** On a free port (unless one was given), trying another if the port was taken meanwhile. */
  async startOnFreePort(): Promise<void> {
    const { options, host, portTaken } = this.#spec;
    for (let attempt = 1; ; attempt++) {
      if (!options.port) this.port = await findFreePort(host);
      try {
        await this.spawn();
        return;
      } catch (error) {
        if (!portTaken.test(readLogTail(this.logFile)) || options.port || attempt >= 3) throw error;
        await this.shutdown('SIGKILL');
      }
    }
  }

  /** Starts the server on `this.port` and waits until it is ready. */
  async spawn(): Promise<void> {
    const child = this.#spawnChild();
    // Don't keep the event loop alive for the server: the exit hook and the watchdog end it
    // (docs/architecture.md "Timers and the event loop").
    child.unref();
    this.entry.child = child;
    if (child.pid !== undefined) writeFileSync(this.#pidFile, String(child.pid));
    await this.#waitUntilReady(child);
  }

  #spawnChild(): ChildProcess {
    const options: SpawnOptions = { ...this.spawnOptions(), detached: this.#spec.processGroup };
    if (!this.#spec.logOutput) {
      return spawn(this.#spec.command, this.serverArgs(), { ...options, stdio: 'ignore' });
    }
    const log = openSync(this.logFile, 'a');
    try {
      return spawn(this.#spec.command, this.serverArgs(), {
        ...options,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
  }

  async #waitUntilReady(child: ChildProcess): Promise<void> {
    const { signal } = this.#spec.options;
    const deadline = Date.now() + this.#startupTimeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      if (hasExited(child)) {
        throw this.#startError(
          `${this.#spec.command} exited during startup (code ${child.exitCode}, signal ${child.signalCode})`,
        );
      }
      try {
        await this.checkReady();
        return;
      } catch (error) {
        if (error instanceof TestingError) throw error;
        lastError = error;
      }
      // Ref'd on purpose: the unref'd child does not keep the loop alive while we poll.
      await sleep(100, undefined, signal ? { signal } : {});
    }
    throw this.#startError(this.#timeoutProblem(lastError), { cause: lastError });
  }

  #timeoutProblem(lastError: unknown): string {
    const { host, readiness } = this.#spec;
    const code = (lastError as { code?: unknown } | undefined)?.code;
    return (
      `${this.#spec.command} did not ${readiness} on ${host}:${this.port} within ${this.#startupTimeoutMs} ms` +
      (typeof code === 'string' ? ` (last error ${code})` : '')
    );
  }

  #startError(problem: string, options: TestingErrorOptions = {}): TestingError {
    return this.#spec.startError(problem, readLogTail(this.logFile), options);
  }

  shutdown(signal: NodeJS.Signals): Promise<void> {
    return stopServerProcess(this.entry, signal);
  }

  /** Stops the process (if running) and removes everything it left. */
  async remove(signal: NodeJS.Signals): Promise<void> {
    await this.shutdown(signal);
    // An aborted initdb still deletes its data dir for a moment after we stop waiting for it:
    // retry; if the dir still cannot go, the exit hook and the watchdog stay on it.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    this.#watchdog.stop();
    untrackServer(this.entry);
  }
}
