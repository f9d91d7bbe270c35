import {
  InvalidOptionError,
  type SecretsManagerLocal,
  type StartSecretsManagerOptions,
  startSecretsManager,
} from '@rotakit/secrets-manager-local';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';

export interface LocalOptions {
  port?: string;
  host?: string;
  accountId?: string;
  data?: string;
  rotationFunction?: string[];
  rotationTimeoutMs?: string;
  tickIntervalMs?: string;
}

/** The library's option names, as the flags a reader of `rotakit local --help` can set. */
const FLAG_OF_OPTION: Record<string, string> = {
  port: '--port',
  host: '--host',
  region: '--region',
  accountId: '--account-id',
  dataFile: '--data',
  rotationTimeoutMs: '--rotation-timeout-ms',
  tickIntervalMs: '--tick-interval-ms',
};

/** `rotakit local`: the local Secrets Manager in the foreground until Ctrl-C (or SIGTERM). */
export async function localCommand(ctx: CommandContext, options: LocalOptions): Promise<ExitCode> {
  const sm = await start(toStartOptions(ctx, options));
  if (ctx.out.json) ctx.out.printJson({ ok: true, endpoint: sm.endpoint, region: sm.region });
  else ctx.out.line(`listening on ${sm.endpoint}`);
  await stopped(ctx.io.signal);
  await sm.close();
  return ExitCode.Ok;
}

function toStartOptions(ctx: CommandContext, options: LocalOptions): StartSecretsManagerOptions {
  const rotationTimeoutMs = wholeNumber(options.rotationTimeoutMs, '--rotation-timeout-ms');
  const tickIntervalMs = wholeNumber(options.tickIntervalMs, '--tick-interval-ms');
  return {
    port: wholeNumber(options.port, '--port') ?? 4584,
    host: options.host,
    region: ctx.globals.region,
    accountId: options.accountId,
    dataFile: options.data,
    rotationTimeoutMs,
    tickIntervalMs,
    rotationFunctions: rotationFunctions(options.rotationFunction ?? []),
    onError: (error) => {
      const { name, message } =
        error instanceof Error ? error : { name: 'Error', message: String(error) };
      ctx.io.stderr.write(`[rotakit local] ${name}: ${message}\n`);
    },
  };
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`${flag} must be a whole number (got ${JSON.stringify(value)})`, {
      option: flag,
    });
  }
  return n;
}

function rotationFunctions(mappings: readonly string[]): Record<string, string> {
  const functions: Record<string, string> = {};
  for (const mapping of mappings) {
    const at = mapping.indexOf('=');
    if (at <= 0 || at === mapping.length - 1) {
      throw new UsageError(
        `--rotation-function must be <arn>=<url> (got ${JSON.stringify(mapping)})`,
        { option: '--rotation-function' },
      );
    }
    functions[mapping.slice(0, at)] = mapping.slice(at + 1);
  }
  return functions;
}

async function start(options: StartSecretsManagerOptions): Promise<SecretsManagerLocal> {
  try {
    return await startSecretsManager(options);
  } catch (error) {
    if (error instanceof InvalidOptionError) {
      const flag = FLAG_OF_OPTION[error.option] ?? error.option;
      throw new UsageError(error.message.replace(`\`${error.option}\``, flag), {
        option: flag,
        cause: error,
      });
    }
    const { name, message } = error as Error;
    throw new CliError(`could not start the local Secrets Manager: ${name}: ${message}`, {
      cause: error,
    });
  }
}

/** Resolves when the command is told to stop; the server's socket keeps the process alive. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
