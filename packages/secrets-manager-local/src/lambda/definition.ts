import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';

/** One line the function wrote, as CloudWatch Logs would get it. */
export interface LambdaLogEntry {
  readonly functionName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly message: string;
}

export type LambdaLogSink = (entry: LambdaLogEntry) => void;

/**
 * A rotation function given by its deployment artifact, run the way Lambda runs it: in a
 * child process under the real runtime interface client (npm `aws-lambda-ric`), against a
 * Lambda Runtime API that the local Secrets Manager serves on loopback.
 */
export interface LambdaFunctionDefinition {
  /** The deployment package's contents (Lambda's `/var/task`): the runtime's working directory. */
  readonly codeDirectory: string;
  /** `<module>.<export>`, e.g. `index.handler` for `index.mjs` exporting `handler`. */
  readonly handler: string;
  /** The function's environment variables (Lambda's reserved names are refused). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Function timeout. @default the `timeoutMs` option, then the server's `rotationTimeoutMs` */
  readonly timeoutMs?: number;
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`; also sets V8's heap limits. @default 128 */
  readonly memorySizeMb?: number;
  /**
   * The `aws-lambda-ric` package folder to run. @default resolved from `codeDirectory`, then
   * from the current working directory
   */
  readonly runtimeClient?: string;
  /** The Node.js binary. @default process.execPath */
  readonly nodeExecutable?: string;
  /** Limit of the init phase (module scope) before the first invocation. @default 10000 */
  readonly initTimeoutMs?: number;
  /** Receives the function's stdout and stderr line by line. @default prints to stderr */
  readonly logSink?: LambdaLogSink;
}

/** Environment variables Lambda sets itself and refuses in a function's configuration. */
const RESERVED_VARIABLES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

export interface ResolvedLambdaFunction {
  readonly codeDirectory: string;
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number | undefined;
  readonly memorySizeMb: number;
  /** The runtime interface client's entry script (its package.json `bin`). */
  readonly runtimeEntry: string;
  readonly nodeExecutable: string;
  /** The major version of `nodeExecutable`, for `AWS_EXECUTION_ENV` (`AWS_Lambda_nodejs22.x`). */
  readonly nodeMajorVersion: number;
  readonly initTimeoutMs: number;
  readonly logSink: LambdaLogSink;
}

export function isLambdaFunctionDefinition(value: unknown): value is LambdaFunctionDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof URL) &&
    'codeDirectory' in value &&
    'handler' in value
  );
}

/** Validates a definition (naming the bad option) and finds its runtime interface client. */
export function resolveLambdaFunction(
  definition: LambdaFunctionDefinition,
): Readonly<ResolvedLambdaFunction> {
  if (typeof definition.codeDirectory !== 'string' || definition.codeDirectory.length === 0) {
    throw InvalidOptionError.of('codeDirectory', 'expected the path of a directory');
  }
  const codeDirectory = resolve(definition.codeDirectory);
  if (!existsSync(codeDirectory) || !statSync(codeDirectory).isDirectory()) {
    throw InvalidOptionError.of('codeDirectory', `${codeDirectory} is not a directory`);
  }
  const handler = definition.handler;
  if (typeof handler !== 'string' || !/^[^.\s][^\s]*\.[A-Za-z_$][\w$.]*$/.test(handler)) {
    throw InvalidOptionError.of(
      'handler',
      `expected <module>.<export> such as index.handler, got ${String(handler)}`,
    );
  }
  return Object.freeze({
    codeDirectory,
    handler,
    environment: checkEnvironment(definition.environment ?? {}),
    timeoutMs: positiveOrUndefined('timeoutMs', definition.timeoutMs),
    memorySizeMb: memorySize(definition.memorySizeMb ?? 128),
    runtimeEntry: runtimeEntryOf(definition.runtimeClient, codeDirectory),
    ...nodeOf(definition.nodeExecutable),
    initTimeoutMs: positiveOrUndefined('initTimeoutMs', definition.initTimeoutMs) ?? 10_000,
    logSink: logSinkOf(definition.logSink),
  });
}

function logSinkOf(sink: LambdaLogSink | undefined): LambdaLogSink {
  if (sink !== undefined && typeof sink !== 'function') {
    throw InvalidOptionError.of('logSink', 'expected a function');
  }
  return sink ?? printLog;
}

function nodeOf(executable: string | undefined): {
  nodeExecutable: string;
  nodeMajorVersion: number;
} {
  if (executable === undefined || executable === process.execPath) {
    return { nodeExecutable: process.execPath, nodeMajorVersion: majorOf(process.versions.node) };
  }
  const probe = spawnSync(executable, ['-p', 'process.versions.node'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.status !== 0) {
    throw InvalidOptionError.of('nodeExecutable', `${executable} does not run as Node.js`, {
      cause: probe.error,
    });
  }
  return { nodeExecutable: executable, nodeMajorVersion: majorOf(probe.stdout) };
}

function majorOf(version: string): number {
  return Number.parseInt(version.trim(), 10);
}

function checkEnvironment(environment: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (RESERVED_VARIABLES.has(name)) {
      throw InvalidOptionError.of('environment', `${name} is reserved: Lambda sets it itself`);
    }
    if (typeof value !== 'string') {
      throw InvalidOptionError.of('environment', `the value of ${name} must be a string`);
    }
    copy[name] = value;
  }
  return Object.freeze(copy);
}

function positiveOrUndefined(option: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isFinite(value) && value > 0)) {
    throw InvalidOptionError.of(option, 'expected a positive number of milliseconds');
  }
  return value;
}

function memorySize(value: number): number {
  if (!Number.isInteger(value) || value < 128 || value > 10_240) {
    throw InvalidOptionError.of('memorySizeMb', 'expected a whole number from 128 to 10240');
  }
  return value;
}

/** The entry script of an `aws-lambda-ric` package: its `bin`, run as `node <bin> <handler>`. */
function runtimeEntryOf(runtimeClient: string | undefined, codeDirectory: string): string {
  const manifest =
    runtimeClient === undefined
      ? findInstalledRuntimeClient(codeDirectory)
      : manifestOf(resolve(runtimeClient));
  let bin: unknown;
  try {
    bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: unknown }).bin;
  } catch (cause) {
    throw InvalidOptionError.of('runtimeClient', `cannot read ${manifest}`, { cause });
  }
  const entry =
    typeof bin === 'string'
      ? bin
      : (bin as Record<string, unknown> | undefined)?.['aws-lambda-ric'];
  if (typeof entry !== 'string') {
    throw InvalidOptionError.of('runtimeClient', `${manifest} has no aws-lambda-ric bin entry`);
  }
  return join(dirname(manifest), entry);
}

function manifestOf(path: string): string {
  const manifest = path.endsWith('package.json') ? path : join(path, 'package.json');
  if (!existsSync(manifest)) {
    throw InvalidOptionError.of('runtimeClient', `no aws-lambda-ric package at ${path}`);
  }
  return manifest;
}

function findInstalledRuntimeClient(codeDirectory: string): string {
  for (const from of [codeDirectory, process.cwd()]) {
    try {
      return createRequire(join(from, 'noop.js')).resolve('aws-lambda-ric/package.json');
    } catch {
      // Not installed there; try the next place.
    }
  }
  throw InvalidOptionError.of(
    'runtimeClient',
    `aws-lambda-ric is not installed in ${codeDirectory} or ${process.cwd()}: ` +
      'npm install --save-dev aws-lambda-ric, or pass the folder of one as runtimeClient',
  );
}

function printLog(entry: LambdaLogEntry): void {
  process.stderr.write(`[lambda ${entry.functionName}] ${entry.message}\n`);
}

/**
 * A definition from JSON (the `/_local/rotation-functions` body): the known keys, each only
 * when of the right type, so `resolveLambdaFunction` names what is missing or wrong.
 */
export function lambdaDefinitionFromJson(body: Record<string, unknown>): LambdaFunctionDefinition {
  const strings = ['runtimeClient', 'nodeExecutable'] as const;
  const numbers = ['timeoutMs', 'memorySizeMb', 'initTimeoutMs'] as const;
  const definition: Record<string, unknown> = {
    codeDirectory: body.codeDirectory,
    handler: body.handler,
  };
  for (const key of strings) if (typeof body[key] === 'string') definition[key] = body[key];
  for (const key of numbers) if (typeof body[key] === 'number') definition[key] = body[key];
  const environment = body.environment;
  if (environment !== undefined) {
    if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) {
      throw InvalidOptionError.of('environment', 'expected an object of strings');
    }
    definition.environment = environment;
  }
  return definition as unknown as LambdaFunctionDefinition;
}
