import { Command, CommanderError, Help } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import type { GlobalOptions } from './aws.js';
import { type DoctorOptions, doctorCommand } from './commands/doctor.js';
import { type LocalOptions, localCommand } from './commands/local.js';
import { type NetcheckOptions, netcheckCommand } from './commands/netcheck.js';
import { type RotateOptions, rotateCommand } from './commands/rotate.js';
import { type StatusOptions, statusCommand } from './commands/status.js';
import { type UnstickOptions, unstickCommand } from './commands/unstick.js';
import { type CommandContext, createContext } from './context.js';
import { CliError, ExitCode, InterruptedError, UsageError } from './errors.js';
import type { CliIo } from './output.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    ok
  1    a check or verdict failed (stuck rotation, failed probe, failed rotation)
  2    usage error
  3    AWS/API error (including an unreachable endpoint, no Region, no credentials)
  130  interrupted (Ctrl-C); rotate prints the state it left and how to resume

With --json, every outcome is one JSON document on stdout; a failure is
  {"ok": false, "error": {"name": ..., "message": ..., ...}}

Environment:
  AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, AWS_CONFIG_FILE,
  AWS_ENDPOINT_URL_SECRETS_MANAGER (like --endpoint-url), NO_COLOR`;

const STUCK_AFTER_HELP =
  'age after which a pending version counts as stuck, not as a rotation still running (e.g. 90s, 10m, 1h; default 10m)';

/** Commands that handle Ctrl-C themselves; the others stop at once. */
type Interrupts = 'self' | 'stop-at-once';

/**
 * Runs the `rotakit` command line with `argv` (without the node and script paths) and
 * returns the exit code. Everything is written to `io`, so tests run it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const program = createProgram(io);
  // Commander calls actions synchronously; keep the promise and the context to await them.
  const run: Run =
    <A extends unknown[]>(
      action: (ctx: CommandContext, ...args: A) => Promise<ExitCode>,
      interrupts: Interrupts = 'stop-at-once',
    ) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const ctx = createContext(io, globals);
      const work = action(ctx, ...(args.slice(0, -1) as A));
      exitCode = interrupts === 'self' ? await work : await untilInterrupted(work, io.signal);
    };
  addSecretCommands(program, run);
  addRotateCommand(program, run);
  addNetworkCommands(program, run);
  addLocalCommand(program, run);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(io, wantsJson(argv), error);
  }
}

/** Wraps a command's action: builds its context, awaits it, keeps its exit code. */
type Run = <A extends unknown[]>(
  action: (ctx: CommandContext, ...args: A) => Promise<ExitCode>,
  interrupts?: Interrupts,
) => (...args: unknown[]) => Promise<void>;

function createProgram(io: CliIo): Command {
  return new Command('rotakit')
    .description(
      'Secrets Manager rotation for MySQL and PostgreSQL: status, repair, rotate, and diagnose the network.',
    )
    .version(packageJson.version, '-V, --version', 'print the version')
    .option(
      '--region <region>',
      "AWS Region (default: AWS_REGION, AWS_DEFAULT_REGION, or the profile's region)",
    )
    .option('--profile <name>', 'AWS profile from the shared config files (default: AWS_PROFILE)')
    .option(
      '--endpoint-url <url>',
      'Secrets Manager endpoint (e.g. the local one: http://127.0.0.1:4584)',
    )
    .option('--json', 'machine-readable output: one JSON document on stdout (stable shape)')
    .option('--no-color', 'no colours (they only appear on a terminal anyway)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
}

function addSecretCommands(program: Command, run: Run): void {
  program
    .command('status')
    .argument('<secret>', 'secret name or ARN')
    .description(
      'Versions, labels, last/next rotation and a verdict: healthy, stuck, RDS-managed, disabled.',
    )
    .option('--stuck-after <duration>', STUCK_AFTER_HELP)
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit status prod/app/db\n  rotakit status prod/app/db --json\n' +
        '  rotakit status prod/app/db --stuck-after 0s   # right after an interrupted rotate',
    )
    .action(
      run((ctx, secret: string, options: StatusOptions) => statusCommand(ctx, secret, options)),
    );

  program
    .command('unstick')
    .argument('<secret>', 'secret name or ARN')
    .description(
      'Remove a stray AWSPENDING label so rotation can start again ("A previous rotation isn\'t complete").',
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .option(
      '--force',
      'also when the pending version is young enough to be a rotation still running',
    )
    .option(
      '--discard-live-pending',
      'also when the database already uses the pending password (apps reading AWSCURRENT then fail to log in)',
    )
    .option('--stuck-after <duration>', STUCK_AFTER_HELP)
    .addHelpText(
      'after',
      '\nAn RDS-managed secret (rds!cluster-..., rds!db-...) is refused: RDS moves its labels itself.\n' +
        '\nExamples:\n  rotakit unstick prod/app/db\n  rotakit unstick prod/app/db --yes --json',
    )
    .action(
      run((ctx, secret: string, options: UnstickOptions) => unstickCommand(ctx, secret, options)),
    );
}

function addRotateCommand(program: Command, run: Run): void {
  program
    .command('rotate')
    .argument('<secret>', 'secret name or ARN')
    .description(
      'Run the four rotation steps from this machine, with a progress line per step; on failure, the cause and a network diagnosis.',
    )
    .option(
      '--strategy <strategy>',
      'single-user or alternating-users (default: alternating-users when the secret has masterarn)',
    )
    .option('--ca-bundle <pem-or-path>', 'CA certificates to verify the database TLS certificate')
    .option('--strict-tls', 'never fall back to plaintext when the secret has no ssl key')
    .option('--step-timeout <ms>', 'time each step may take, like the Lambda timeout', '300000')
    .option('--verbose', 'print the engine log lines')
    .addHelpText(
      'after',
      '\nThe database must be reachable from here (its host and port come from the secret).\n' +
        'An RDS-managed secret (rds!cluster-..., rds!db-...) is refused: RDS rotates it itself,\n' +
        "and the refusal names the aws command that starts RDS's own rotation.\n" +
        '\nCtrl-C stops after the step in progress and prints the state and the command that\n' +
        'resumes (or undoes) it; a second Ctrl-C stops at once.\n' +
        '\nExamples:\n  rotakit rotate prod/app/mysql\n  rotakit rotate prod/app/postgres --strategy alternating-users --json',
    )
    .action(
      run(
        (ctx, secret: string, options: RotateOptions) => rotateCommand(ctx, secret, options),
        'self',
      ),
    );
}

function addNetworkCommands(program: Command, run: Run): void {
  program
    .command('doctor')
    .argument('<secret>', 'secret name or ARN')
    .description(
      'Everything at once, findings first: status, live checks from here, and static analysis of security groups, NACLs, routes and the VPC endpoint.',
    )
    .option(
      '--function <name>',
      "rotation function name or ARN (default: the secret's RotationLambdaARN)",
    )
    .option(
      '--db-cluster <id>',
      'DB cluster identifier (default: dbClusterIdentifier in the secret)',
    )
    .option(
      '--db-instance <id>',
      'DB instance identifier (default: dbInstanceIdentifier in the secret)',
    )
    .option('--no-live', 'skip the live probes')
    .option('--no-static', 'skip reading the EC2/RDS/Lambda configuration')
    .option('--timeout <ms>', 'budget for the live checks', '10000')
    .option('--stuck-after <duration>', STUCK_AFTER_HELP)
    .option(
      '--snapshot <file>',
      'analyse a saved snapshot (JSON) instead of reading the AWS configuration',
    )
    .option('--save-snapshot <file>', 'write the collected configuration snapshot to this file')
    .addHelpText(
      'after',
      '\nStatic analysis needs read access to EC2 (Describe*), RDS (DescribeDB*) and Lambda (GetFunctionConfiguration, GetPolicy).\n' +
        '\nExamples:\n  rotakit doctor prod/app/db\n  rotakit doctor prod/app/postgres --function rotate-postgres --json',
    )
    .action(
      run((ctx, secret: string, options: DoctorOptions) => doctorCommand(ctx, secret, options)),
    );

  program
    .command('netcheck')
    .description(
      "Live reachability probes from this machine: a secret's rotation (or app) path, or one host and port.",
    )
    .option(
      '--secret <secret>',
      'check the path to Secrets Manager and the database named in this secret',
    )
    .option('--app', "with --secret: the application's path instead of the rotation function's")
    .option('--login', 'with --secret: also log in to the database with the secret')
    .option('--rds', 'with --secret: also check the path to the RDS API (R8)')
    .option('--host <host>', 'probe this host (DNS, TCP, and TLS, MySQL or PostgreSQL by port)')
    .option('--port <port>', 'with --host')
    .option('--tls', 'with --host: also a TLS handshake (default on port 443)')
    .option('--mysql', 'with --host: also read the MySQL greeting (default on port 3306)')
    .option(
      '--postgres',
      "with --host: also PostgreSQL's TLS and authentication request (default on port 5432)",
    )
    .option('--timeout <ms>', 'budget for all probes', '10000')
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit netcheck --secret prod/app/mysql\n  rotakit netcheck --host mydb.cluster-abc.us-east-1.rds.amazonaws.com --port 3306\n' +
        '  rotakit netcheck --host secretsmanager.us-east-1.amazonaws.com --port 443 --json',
    )
    .action(run((ctx, options: NetcheckOptions) => netcheckCommand(ctx, options)));
}

function addLocalCommand(program: Command, run: Run): void {
  const local = program
    .command('local')
    .description(
      'Run the local Secrets Manager (AWS-compatible, for tests and local work) until Ctrl-C.',
    )
    .option('--port <n>', 'TCP port (0 picks a free one)', '4584')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--account-id <12 digits>', 'account in ARNs (default 123456789012)')
    .option('--data <file>', 'keep secrets in this JSON file across restarts')
    .option(
      '--rotation-function <arn=url...>',
      'map a RotationLambdaARN to a loopback invoke URL (repeatable)',
    )
    .option('--rotation-timeout-ms <ms>', 'rotation step timeout (default 30000)')
    .option('--tick-interval-ms <ms>', 'start scheduled rotations this often (default 0: off)')
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit local\n  rotakit local --port 0 --data ./secrets.json --region eu-west-1\n' +
        '  AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:4584 aws secretsmanager list-secrets',
    )
    .action(run((ctx, options: LocalOptions) => localCommand(ctx, options), 'self'));
  // Of the global options only these two mean something here; list them with their meaning.
  local.configureHelp({
    showGlobalOptions: true,
    visibleGlobalOptions: (command) =>
      (command.parent?.options ?? []).filter((o) => o.long === '--region' || o.long === '--json'),
    optionDescription: (option) =>
      LOCAL_GLOBAL_OPTIONS[option.long ?? ''] ?? new Help().optionDescription(option),
  });
}

const LOCAL_GLOBAL_OPTIONS: Record<string, string> = {
  '--region': 'Region in ARNs (default us-east-1)',
  '--json': 'print the listening line as one JSON document',
};

/** Ends a command at the first Ctrl-C: it waits on the network and holds nothing to finish. */
async function untilInterrupted(
  work: Promise<ExitCode>,
  signal: AbortSignal | undefined,
): Promise<ExitCode> {
  if (!signal) return work;
  let stop: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    stop = () => reject(new InterruptedError('interrupted before the command finished'));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  // The abandoned command may still fail; that failure is no longer anyone's news.
  work.catch(() => {});
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    if (stop) signal.removeEventListener('abort', stop);
  }
}

/** `--json` anywhere before a `--` terminator. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** One line on stderr, and with `--json` one document on stdout; returns the exit code. */
function reportError(io: CliIo, json: boolean, error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // --help and --version end through exitOverride too, with code 0; commander already
    // printed its own message for the others.
    if (error.exitCode === 0) return ExitCode.Ok;
    const usage = new UsageError(error.message.replace(/^error: /, ''));
    if (json)
      printJsonError(io, usage.name, usage.message, { ...usage.context(), code: error.code });
    return ExitCode.Usage;
  }
  if (error instanceof CliError) {
    io.stderr.write(`rotakit: ${error.message}\n`);
    if (json) printJsonError(io, error.name, error.message, error.context());
    return error.exitCode;
  }
  const { name, message } =
    error instanceof Error ? error : { name: 'Error', message: String(error) };
  io.stderr.write(`rotakit: unexpected error: ${name}: ${message}\n`);
  if (json) printJsonError(io, name, message, { exitCode: ExitCode.CheckFailed, unexpected: true });
  return ExitCode.CheckFailed;
}

function printJsonError(
  io: CliIo,
  name: string,
  message: string,
  context: Record<string, unknown>,
): void {
  const document = { ok: false, error: { name, message, ...context } };
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
