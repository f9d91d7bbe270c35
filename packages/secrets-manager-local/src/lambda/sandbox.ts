import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ResolvedLambdaFunction } from './definition.js';
import { type FunctionError, type OfferedInvocation, RuntimeApiServer } from './runtime-api.js';
import { type SandboxWatchdog, watchSandbox } from './watchdog.js';

/** Who the function is, and where its Secrets Manager is: what the environment says. */
export interface SandboxIdentity {
  readonly functionName: string;
  readonly region: string;
  /** The local Secrets Manager, as `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly serviceEndpoint: string;
}

export type InvocationResult =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly error: FunctionError; readonly sandboxLost: boolean };

interface Pending {
  readonly invocation: OfferedInvocation;
  readonly settle: (result: InvocationResult) => void;
  timer: NodeJS.Timeout;
}

/**
 * One warm Lambda sandbox: a child process running the runtime interface client with the
 * function's handler, and the Runtime API it polls. Module scope runs once, at the first
 * invocation; later invocations reuse the process until it times out, crashes or is killed.
 */
export class Sandbox {
  readonly #fn: ResolvedLambdaFunction;
  readonly #api: RuntimeApiServer;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #watchdog: SandboxWatchdog | undefined;
  readonly #killOnExit = () => this.#killGroup();
  #pending: Pending | undefined;
  #lost = false;
  #cleanedUp: Promise<void> | undefined;

  private constructor(fn: ResolvedLambdaFunction, api: RuntimeApiServer, child: ChildProcess) {
    this.#fn = fn;
    this.#api = api;
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    this.#watchdog =
      child.pid === undefined
        ? undefined
        : watchSandbox(child.pid, `AWS_LAMBDA_RUNTIME_API=${api.address}`);
    // A parent that exits normally takes its sandboxes along (they run in their own group).
    killOnExit(this.#killOnExit);
    child.once('exit', (code, signal) => this.#onExit(code, signal));
    // Only when the process could not be started (say, no such node binary).
    child.once('error', (error) => this.#onSpawnError(error));
  }

  static async start(fn: ResolvedLambdaFunction, identity: SandboxIdentity): Promise<Sandbox> {
    // Events can only come once the runtime runs, which is after `sandbox` is set.
    let sandbox: Sandbox | undefined;
    const api = await RuntimeApiServer.start({
      taken: (requestId, deadlineMs) => {
        if (sandbox) sandbox.#onTaken(requestId, deadlineMs);
      },
      response: (requestId, payload) => {
        if (sandbox) sandbox.#settle(requestId, { ok: true, payload });
      },
      error: (requestId, error) => {
        if (sandbox) sandbox.#settle(requestId, { ok: false, error, sandboxLost: false });
      },
      initError: (error) => {
        if (sandbox) sandbox.#loseSandbox(error);
      },
    });
    const child = spawn(fn.nodeExecutable, [...heapArguments(fn), fn.runtimeEntry, fn.handler], {
      cwd: fn.codeDirectory,
      env: lambdaEnvironment(fn, identity, api.address),
      // Its own process group, so a timeout kills whatever the function started too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sandbox = new Sandbox(fn, api, child);
    forwardLines(child.stdout, 'stdout', fn, identity.functionName);
    forwardLines(child.stderr, 'stderr', fn, identity.functionName);
    return sandbox;
  }

  /** False once the process is gone: the next invocation needs a new sandbox. */
  get usable(): boolean {
    return !this.#lost;
  }

  invoke(invocation: OfferedInvocation): Promise<InvocationResult> {
    return new Promise((settle) => {
      if (this.#lost) {
        settle(exitResult(invocation.requestId, this.#child.exitCode, this.#child.signalCode));
        return;
      }
      // Until the runtime takes the invocation, the init phase's limit applies.
      const timer = setTimeout(() => this.#onInitTimeout(), this.#fn.initTimeoutMs);
      this.#pending = { invocation, settle, timer };
      this.#api.offer(invocation);
    });
  }

  async kill(): Promise<void> {
    this.#lost = true;
    this.#killGroup();
    await this.#exited;
    await this.#cleanUp();
  }

  #onTaken(requestId: string, deadlineMs: number): void {
    const pending = this.#pending;
    if (pending?.invocation.requestId !== requestId) return;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.#onTimeout(), Math.max(0, deadlineMs - Date.now()));
  }

  #onTimeout(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const seconds = (pending.invocation.timeoutMs / 1000).toFixed(2);
    this.#loseSandbox({
      errorType: 'Sandbox.Timedout',
      errorMessage: `Task timed out after ${seconds} seconds`,
    });
  }

  #onInitTimeout(): void {
    const seconds = (this.#fn.initTimeoutMs / 1000).toFixed(2);
    this.#loseSandbox({
      errorType: 'Sandbox.Timedout',
      errorMessage: `Init phase timed out after ${seconds} seconds`,
    });
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#lost = true;
    killers.delete(this.#killOnExit);
    this.#watchdog?.stop();
    const pending = this.#pending;
    if (pending !== undefined) {
      const { requestId } = pending.invocation;
      this.#settle(requestId, exitResult(requestId, code, signal));
    }
    void this.#cleanUp();
  }

  #onSpawnError(error: Error): void {
    this.#lost = true;
    this.#loseSandbox({
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: `Cannot start ${this.#fn.nodeExecutable}: ${error.message}`,
    });
    void this.#cleanUp();
  }

  /** Ends the invocation with `error` and stops the process, as Lambda resets a sandbox. */
  #loseSandbox(error: FunctionError): void {
    const pending = this.#pending;
    this.#lost = true;
    this.#killGroup();
    if (pending !== undefined) {
      this.#settle(pending.invocation.requestId, { ok: false, error, sandboxLost: true });
    }
  }

  #settle(requestId: string, result: InvocationResult): void {
    const pending = this.#pending;
    if (pending?.invocation.requestId !== requestId) return;
    clearTimeout(pending.timer);
    this.#pending = undefined;
    pending.settle(result);
  }

  #killGroup(): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null) {
      return;
    }
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }

  #cleanUp(): Promise<void> {
    this.#cleanedUp ??= (() => {
      killers.delete(this.#killOnExit);
      this.#watchdog?.stop();
      return this.#api.close();
    })();
    return this.#cleanedUp;
  }
}

/** One `exit` listener for every live sandbox (one each would trip MaxListenersExceeded). */
const killers = new Set<() => void>();

function killOnExit(kill: () => void): void {
  if (!process.listeners('exit').includes(killAll)) process.on('exit', killAll);
  killers.add(kill);
}

function killAll(): void {
  for (const kill of killers) kill();
}

/** What Lambda reports when the runtime process ends before posting an outcome. */
function exitResult(
  requestId: string,
  code: number | null,
  signal: NodeJS.Signals | null,
): InvocationResult {
  const reason =
    signal !== null
      ? `Runtime exited with error: signal: ${signal === 'SIGKILL' ? 'killed' : signal}`
      : code === 0 || code === null
        ? 'Runtime exited without providing a reason'
        : `Runtime exited with error: exit status ${code}`;
  return {
    ok: false,
    error: {
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${requestId} Error: ${reason}`,
    },
    sandboxLost: true,
  };
}

/** V8 heap limits from the memory size, as the Lambda Node.js bootstrap script sets them. */
function heapArguments(fn: ResolvedLambdaFunction): string[] {
  const newSpace = Math.floor(fn.memorySizeMb / 64);
  return [
    `--max-semi-space-size=${Math.max(1, Math.floor(newSpace / 2))}`,
    `--max-old-space-size=${fn.memorySizeMb - newSpace}`,
  ];
}

/**
 * The environment Lambda gives a function: its own variables, the runtime's, and nothing
 * of ours (no profile, real credentials or proxy leaks in; the SDK's config files are
 * empty, so no call can leave loopback through them).
 */
function lambdaEnvironment(
  fn: ResolvedLambdaFunction,
  identity: SandboxIdentity,
  runtimeApi: string,
): NodeJS.ProcessEnv {
  const { functionName, region } = identity;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: identity.serviceEndpoint,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...fn.environment,
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${fn.nodeMajorVersion}.x`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
  };
}

function forwardLines(
  stream: Readable | null,
  name: 'stdout' | 'stderr',
  fn: ResolvedLambdaFunction,
  functionName: string,
): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (message) => {
    try {
      fn.logSink({ functionName, stream: name, message });
    } catch {
      // A failing sink must not take the sandbox down; the line is lost, as with a full log.
    }
  });
}
