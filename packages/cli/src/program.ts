import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './aws.js';
import { type DoctorOptions, doctorCommand } from './commands/doctor.js';
import { type LocalOptions, localCommand } from './commands/local.js';
import { type NetcheckOptions, netcheckCommand } from './commands/netcheck.js';
import { type RotateOptions, rotateCommand } from './commands/rotate.js';
import { statusCommand } from './commands/status.js';
import { unstickCommand } from './commands/unstick.js';
import { type CommandContext, createContext } from './context.js';
import { CliError, ExitCode } from './errors.js';
import type { CliIo } from './output.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  a check or verdict failed (stuck rotation, failed probe, failed rotation)
  2  usage error
  3  AWS/API error (including an unreachable endpoint)

Environment:
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SECRETS_MANAGER (like --endpoint-url), NO_COLOR`;

/**
 * Runs the `rotakit` command line with `argv` (without the node and script paths) and
 * returns the exit code. Everything is written to `io`, so tests run it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const program = new Command('rotakit');
  program
    .description(
      'Secrets Manager rotation for MySQL: status, repair, rotate, and diagnose the network.',
    )
    .option('--region <region>', 'AWS Region (default: AWS_REGION or the profile)')
    .option('--profile <name>', 'AWS profile from the shared config files')
    .option(
      '--endpoint-url <url>',
      'Secrets Manager endpoint (e.g. the local one: http://127.0.0.1:4584)',
    )
    .option('--json', 'machine-readable output (stable shape)')
    .option('--no-color', 'no colours (they only appear on a terminal anyway)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  // Commander calls actions synchronously; keep the promise and the context to await them.
  const run =
    <A extends unknown[]>(action: (ctx: CommandContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const ctx = createContext(io, globals);
      exitCode = await action(ctx, ...(args.slice(0, -1) as A));
    };

  program
    .command('status')
    .argument('<secret>', 'secret name or ARN')
    .description(
      'Versions, labels, last/next rotation and a verdict: healthy, stuck, RDS-managed, disabled.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit status prod/app/mysql\n  rotakit status prod/app/mysql --json',
    )
    .action(run((ctx, secret: string) => statusCommand(ctx, secret)));

  program
    .command('unstick')
    .argument('<secret>', 'secret name or ARN')
    .description(
      'Remove a stray AWSPENDING label so rotation can start again ("A previous rotation isn\'t complete").',
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'also when the pending version looks like a rotation still running')
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit unstick prod/app/mysql\n  rotakit unstick prod/app/mysql --yes --json',
    )
    .action(
      run((ctx, secret: string, options: { yes?: boolean; force?: boolean }) =>
        unstickCommand(ctx, secret, options),
      ),
    );

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
        '\nExamples:\n  rotakit rotate prod/app/mysql\n  rotakit rotate prod/app/mysql --strategy alternating-users --json',
    )
    .action(
      run((ctx, secret: string, options: RotateOptions) => rotateCommand(ctx, secret, options)),
    );

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
    .option(
      '--snapshot <file>',
      'analyse a saved snapshot (JSON) instead of reading the AWS configuration',
    )
    .option('--save-snapshot <file>', 'write the collected configuration snapshot to this file')
    .addHelpText(
      'after',
      '\nStatic analysis needs read access to EC2 (Describe*), RDS (DescribeDB*) and Lambda (GetFunctionConfiguration, GetPolicy).\n' +
        '\nExamples:\n  rotakit doctor prod/app/mysql\n  rotakit doctor prod/app/mysql --function rotate-mysql --json',
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
    .option('--host <host>', 'probe this host (DNS, TCP, and TLS or MySQL by port)')
    .option('--port <port>', 'with --host')
    .option('--tls', 'with --host: also a TLS handshake (default on port 443)')
    .option('--mysql', 'with --host: also read the MySQL greeting (default on port 3306)')
    .option('--timeout <ms>', 'budget for all probes', '10000')
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit netcheck --secret prod/app/mysql\n  rotakit netcheck --host mydb.cluster-abc.us-east-1.rds.amazonaws.com --port 3306\n' +
        '  rotakit netcheck --host secretsmanager.us-east-1.amazonaws.com --port 443 --json',
    )
    .action(run((ctx, options: NetcheckOptions) => netcheckCommand(ctx, options)));

  program
    .command('local')
    .description(
      'Run the local Secrets Manager (AWS-compatible, for tests and local work) until Ctrl-C.',
    )
    .option('--port <n>', 'TCP port (0 picks a free one)', '4584')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--data <file>', 'keep secrets in this JSON file across restarts')
    .option('--rotation-function <arn=url...>', 'map a RotationLambdaARN to a loopback invoke URL')
    .addHelpText(
      'after',
      '\nExamples:\n  rotakit local\n  rotakit local --port 0 --data ./secrets.json\n' +
        '  AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:4584 aws secretsmanager list-secrets',
    )
    .action(run((ctx, options: LocalOptions) => localCommand(ctx, options)));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride too, with code 0.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`rotakit: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.stderr.write(`rotakit: unexpected error: ${message}\n`);
    return ExitCode.CheckFailed;
  }
}
