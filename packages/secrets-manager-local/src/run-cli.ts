import { parseArgs } from 'node:util';
import { definedOnly } from '@rotakit/core';
import { InvalidOptionError } from './errors.js';
import type { LambdaFunctionDefinition } from './lambda/definition.js';
import type { RotationFunction } from './rotation.js';
import {
  type SecretsManagerLocal,
  type StartSecretsManagerOptions,
  startSecretsManager,
} from './start.js';

export const USAGE = `Usage: secrets-manager-local [options]

An AWS-compatible Secrets Manager on localhost.

Options:
  --port <n>                    TCP port (default 4584; 0 picks a free port)
  --host <address>              address to bind (default 127.0.0.1)
  --region <region>             default region, for unsigned requests (default us-east-1;
                                a signed request's region is its credential scope's)
  --account-id <12 digits>      account in ARNs (default 123456789012)
  --data <file>                 keep secrets in this JSON file across restarts
  --rotation-function <arn=url> map a RotationLambdaARN to a loopback invoke URL (repeatable)
  --rotation-function-code <arn=dir[:handler]>
                                run the deployment artifact in dir (handler default
                                index.handler) as Lambda does, under aws-lambda-ric (repeatable)
  --function-env <NAME=value>   environment variable of those functions (repeatable)
  --function-memory-mb <n>      their memory size (default 128)
  --runtime-client <dir>        the aws-lambda-ric package to run them with (default: resolved
                                from the code directory, then the working directory)
  --function-node <path>        the Node.js binary to run them with (default: this one)
  --rotation-timeout-ms <ms>    rotation step timeout (default 30000)
  --tick-interval-ms <ms>       check rotation schedules this often (default 0: off)
  -h, --help                    show this help

Prints "listening on http://HOST:PORT" when ready; stops on SIGINT or SIGTERM.`;

/** Default port of the CLI (the JS API picks a free port unless told). */
export const DEFAULT_CLI_PORT = 4584;

export interface RunSecretsManagerLocalCliOptions {
  /** Where the "listening on" line goes. @default process.stdout */
  readonly stdout?: { write(text: string): unknown };
  /** Where errors and usage go. @default process.stderr */
  readonly stderr?: { write(text: string): unknown };
  /** Stops the server like SIGINT does. */
  readonly signal?: AbortSignal;
}

function integer(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw InvalidOptionError.of(option, `expected a whole number, got ${value}`);
  return n;
}

/** Parses CLI arguments into `startSecretsManager` options. */
export function parseCliArgs(
  argv: readonly string[],
): StartSecretsManagerOptions & { help: boolean } {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (cause) {
    throw InvalidOptionError.of('argv', cause instanceof Error ? cause.message : String(cause), {
      cause,
    });
  }
  const rotationFunctions: Record<string, RotationFunction> = {};
  for (const mapping of values['rotation-function'] ?? []) {
    const at = mapping.indexOf('=');
    if (at <= 0 || at === mapping.length - 1) {
      throw InvalidOptionError.of('--rotation-function', `expected <arn>=<url>, got ${mapping}`);
    }
    rotationFunctions[mapping.slice(0, at)] = mapping.slice(at + 1);
  }
  Object.assign(rotationFunctions, artifactFunctions(values));
  return {
    help: values.help ?? false,
    port: integer('--port', values.port) ?? DEFAULT_CLI_PORT,
    rotationFunctions,
    host: values.host,
    region: values.region,
    accountId: values['account-id'],
    dataFile: values.data,
    rotationTimeoutMs: integer('--rotation-timeout-ms', values['rotation-timeout-ms']),
    tickIntervalMs: integer('--tick-interval-ms', values['tick-interval-ms']),
  };
}

/** `--rotation-function-code` mappings, with the `--function-*` settings they share. */
function artifactFunctions(
  values: ReturnType<typeof parse>['values'],
): Record<string, LambdaFunctionDefinition> {
  const environment: Record<string, string> = {};
  for (const pair of values['function-env'] ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw InvalidOptionError.of('--function-env', `expected NAME=value, got ${pair}`);
    environment[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const memorySizeMb = integer('--function-memory-mb', values['function-memory-mb']);
  const functions: Record<string, LambdaFunctionDefinition> = {};
  for (const mapping of values['rotation-function-code'] ?? []) {
    const at = mapping.indexOf('=');
    if (at <= 0 || at === mapping.length - 1) {
      throw InvalidOptionError.of(
        '--rotation-function-code',
        `expected <arn>=<dir>[:<handler>], got ${mapping}`,
      );
    }
    const target = mapping.slice(at + 1);
    // A handler is `module.export`; a directory may hold neither ':' nor such a tail.
    const handlerAt = target.lastIndexOf(':');
    const hasHandler = handlerAt > 0 && /^[^/:]+\.[\w$]+$/.test(target.slice(handlerAt + 1));
    functions[mapping.slice(0, at)] = {
      codeDirectory: hasHandler ? target.slice(0, handlerAt) : target,
      handler: hasHandler ? target.slice(handlerAt + 1) : 'index.handler',
      environment,
      ...definedOnly({
        memorySizeMb,
        runtimeClient: values['runtime-client'],
        nodeExecutable: values['function-node'],
      }),
    };
  }
  return functions;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      data: { type: 'string' },
      'rotation-function': { type: 'string', multiple: true },
      'rotation-function-code': { type: 'string', multiple: true },
      'function-env': { type: 'string', multiple: true },
      'function-memory-mb': { type: 'string' },
      'runtime-client': { type: 'string' },
      'function-node': { type: 'string' },
      'rotation-timeout-ms': { type: 'string' },
      'tick-interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Starts a local Secrets Manager from CLI arguments (what `rotakit local` calls). */
export async function startFromArgs(argv: readonly string[]): Promise<SecretsManagerLocal> {
  const { help: _help, ...options } = parseCliArgs(argv);
  return startSecretsManager(options);
}

/**
 * Runs the `secrets-manager-local` CLI until SIGINT, SIGTERM or `signal`; resolves with the
 * exit code (0 stopped cleanly, 1 could not start, 2 bad arguments).
 *
 * @example
 * ```ts
 * process.exitCode = await runSecretsManagerLocalCli(process.argv.slice(2));
 * ```
 */
export async function runSecretsManagerLocalCli(
  argv: readonly string[],
  options: RunSecretsManagerLocalCliOptions = {},
): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    stderr.write(`${messageOf(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const { help, ...startOptions } = parsed;
  if (help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.signal?.aborted) return 0;
  let sm: SecretsManagerLocal;
  try {
    sm = await startSecretsManager({ ...startOptions, onError: printTo(stderr) });
  } catch (error) {
    stderr.write(`secrets-manager-local: ${messageOf(error)}\n`);
    return error instanceof InvalidOptionError ? 2 : 1;
  }
  stdout.write(`listening on ${sm.endpoint}\n`);
  await stopRequested(options.signal);
  await sm.close();
  return 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The server's `onError` for the CLI: one line on stderr, never a secret value. */
function printTo(stderr: { write(text: string): unknown }): (error: unknown) => void {
  return (error) => {
    const { name, message } =
      error instanceof Error ? error : { name: 'Error', message: String(error) };
    stderr.write(`[secrets-manager-local] ${name}: ${message}\n`);
  };
}

/** Resolves on the first SIGINT, SIGTERM or abort of `signal`. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop();
  });
}
