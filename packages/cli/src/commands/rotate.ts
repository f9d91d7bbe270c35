import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { definedOnly, parseRdsSecret } from '@rotakit/core';
import {
  byEngine,
  type Logger,
  mysql,
  postgres,
  RotationError,
  type RotationStrategy,
  type RunRotationResult,
  type RunRotationStepEvent,
  runRotation,
  SecretsManagerError,
} from '@rotakit/rotation-core';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatDuration } from '../output.js';
import { describeFailure, type FailureReport } from './failure.js';
import { refuseManagedSecret } from './managed.js';
import {
  describeInterrupted,
  printInterrupted,
  RotationInterrupts,
  RotationProgress,
} from './rotate-interrupt.js';

export interface RotateOptions {
  strategy?: string;
  caBundle?: string;
  strictTls?: boolean;
  stepTimeout?: string;
  verbose?: boolean;
}

const STRATEGIES: readonly RotationStrategy[] = ['single-user', 'alternating-users'];

interface StepLine {
  step: string;
  status: 'ok' | 'skipped' | 'failed';
  durationMs: number;
}

/** `rotakit rotate`: the four steps from this machine, one progress line per step. */
export async function rotateCommand(
  ctx: CommandContext,
  secretId: string,
  options: RotateOptions,
): Promise<ExitCode> {
  const stepTimeoutMs = checkOptions(options);
  const progress = new RotationProgress();
  const interrupts = new RotationInterrupts(ctx, progress);
  const steps: StepLine[] = [];
  let strategy: RotationStrategy | undefined;
  try {
    // Before the value is read for the strategy: a secret RDS owns is not ours to rotate.
    await Promise.race([refuseManagedSecret(ctx, 'rotate', secretId), interrupts.stoppedNow]);
    strategy = await Promise.race([
      options.strategy ? (options.strategy as RotationStrategy) : inferStrategy(ctx, secretId),
      interrupts.stoppedNow,
    ]);
    if (!ctx.out.json)
      ctx.out.line(`Rotating ${ctx.out.colors.bold(secretId)} (${strategy}) from this machine`);
    const rotation = runRotation({
      secretId,
      client: ctx.secretsManager(),
      onStep: (event) => {
        progress.record(event);
        printStep(ctx, steps, event);
        interrupts.atStepEvent(event);
      },
      ...definedOnly({ stepTimeoutMs }),
      signal: interrupts.signal,
      options: handlerOptions(ctx, strategy, options),
    });
    // After a second Ctrl-C the abandoned step may still fail; nobody waits for it.
    rotation.catch(() => {});
    const result = await Promise.race([rotation, interrupts.stoppedNow]);
    printSuccess(ctx, strategy, steps, result);
    return ExitCode.Ok;
  } catch (error) {
    if (interrupts.requested === 'now' || error === interrupts.reason) {
      const report = describeInterrupted(ctx, secretId, strategy ?? 'single-user', progress);
      if (ctx.out.json) ctx.out.printJson({ ok: false, strategy, steps, error: report });
      else printInterrupted(ctx, report);
      return ExitCode.Interrupted;
    }
    if (!(error instanceof RotationError)) throw error;
    return reportFailure(ctx, secretId, strategy!, steps, error);
  } finally {
    interrupts.dispose();
  }
}

/** Validates the flags; returns the step timeout. */
function checkOptions(options: RotateOptions): number | undefined {
  if (
    options.strategy !== undefined &&
    !STRATEGIES.includes(options.strategy as RotationStrategy)
  ) {
    throw new UsageError(
      `--strategy must be one of ${STRATEGIES.join(', ')} (got ${options.strategy})`,
      { option: '--strategy' },
    );
  }
  const stepTimeoutMs = options.stepTimeout === undefined ? undefined : Number(options.stepTimeout);
  if (stepTimeoutMs !== undefined && !(Number.isInteger(stepTimeoutMs) && stepTimeoutMs > 0)) {
    throw new UsageError(
      `--step-timeout must be a positive number of milliseconds (got ${options.stepTimeout})`,
      { option: '--step-timeout' },
    );
  }
  return stepTimeoutMs;
}

function handlerOptions(ctx: CommandContext, strategy: RotationStrategy, options: RotateOptions) {
  return {
    strategy,
    // The secret's engine picks the driver; each loads its client (mysql2, pg) on first use.
    database: byEngine({ mysql: mysql(), postgres: postgres() }),
    logger: cliLogger(ctx, options.verbose ?? false),
    tls: {
      ...(options.strictTls ? { strict: true } : {}),
      ...(options.caBundle ? { ca: options.caBundle } : {}),
    },
  };
}

function printStep(ctx: CommandContext, steps: StepLine[], event: RunRotationStepEvent): void {
  if (event.phase === 'start') return;
  const line: StepLine = {
    step: event.step,
    status: event.phase === 'error' ? 'failed' : event.skipped ? 'skipped' : 'ok',
    durationMs: Math.round(event.durationMs),
  };
  steps.push(line);
  if (ctx.out.json) return;
  const c = ctx.out.colors;
  const mark =
    line.status === 'failed' ? c.red('✗') : line.status === 'skipped' ? c.dim('-') : c.green('✓');
  const note = line.status === 'skipped' ? c.dim(' (already done)') : '';
  ctx.out.line(
    `  ${mark} ${line.step.padEnd(13)} ${formatDuration(line.durationMs).padStart(8)}${note}`,
  );
}

function printSuccess(
  ctx: CommandContext,
  strategy: RotationStrategy,
  steps: StepLine[],
  result: RunRotationResult,
): void {
  if (ctx.out.json) {
    ctx.out.printJson({
      ok: true,
      secretArn: result.secretArn,
      versionId: result.token,
      resumed: result.resumed,
      strategy,
      steps,
      durationMs: Math.round(result.durationMs),
    });
    return;
  }
  const resumed = result.resumed ? ' (resumed the incomplete earlier rotation)' : '';
  ctx.out.line(
    ctx.out.colors.green(
      `Rotated in ${formatDuration(result.durationMs)}${resumed}: AWSCURRENT is now version ${result.token}.`,
    ),
  );
}

async function reportFailure(
  ctx: CommandContext,
  secretId: string,
  strategy: RotationStrategy,
  steps: StepLine[],
  error: RotationError,
): Promise<ExitCode> {
  const described = await ctx.out.progress('Diagnosing the failure', () =>
    describeFailure(error, {
      client: ctx.secretsManager(),
      secretId,
      secretsManagerEndpoint: ctx.aws().endpoint,
      signal: ctx.io.signal,
    }),
  );
  const failure = { ...described, message: inCliTerms(described.message) };
  // Like every AWS error of this CLI: which Region and endpoint answered (or did not).
  if (error instanceof SecretsManagerError) {
    failure.details = {
      ...failure.details,
      region: ctx.aws().region,
      endpoint: ctx.aws().endpointDisplay,
    };
  }
  const resumeCommand = ctx.commandLine('rotate', secretId);
  if (ctx.out.json) {
    ctx.out.printJson({ ok: false, strategy, steps, error: { ...failure, resumeCommand } });
  } else printFailure(ctx, failure, resumeCommand);
  return ExitCode.CheckFailed;
}

async function inferStrategy(ctx: CommandContext, secretId: string): Promise<RotationStrategy> {
  const value = await ctx.callAws('GetSecretValue', () =>
    ctx.secretsManager().send(new GetSecretValueCommand({ SecretId: secretId })),
  );
  // A secret naming a master secret is set up for alternating users; the value is not kept.
  try {
    return parseRdsSecret(value.SecretString ?? '{}').masterarn
      ? 'alternating-users'
      : 'single-user';
  } catch {
    return 'single-user';
  }
}

/**
 * The engine names its options (`tls.strict`); on this command line the reader sets them as
 * flags, so messages name the flag.
 */
export function inCliTerms(text: string): string {
  return text
    .replaceAll(' or tls.strict to ', ' or pass --strict-tls to ')
    .replaceAll('tls.strict', '--strict-tls');
}

/** Warnings (e.g. a plaintext fallback) matter on a terminal; the step chatter does not. */
function cliLogger(ctx: CommandContext, verbose: boolean): Logger {
  const write = (level: string, message: string) =>
    ctx.io.stderr.write(`${level}: ${inCliTerms(message)}\n`);
  return {
    debug: () => {},
    info: (message) => {
      if (verbose) write('info', message);
    },
    warn: (message) => write('warning', message),
    error: (message) => {
      if (verbose) write('error', message);
    },
  };
}

function printFailure(ctx: CommandContext, failure: FailureReport, resumeCommand: string): void {
  const { out } = ctx;
  const c = out.colors;
  out.line(c.red(`Rotation failed${failure.step ? ` in ${failure.step}` : ''}: ${failure.name}`));
  out.line(`  ${failure.message}`);
  for (const [key, value] of Object.entries(failure.details)) out.line(c.dim(`  ${key}: ${value}`));
  if (failure.diagnosis) {
    out.line();
    out.line(c.bold('Diagnosis'));
    out.line(`  ${failure.diagnosis}`);
  }
  out.line();
  out.line(
    `Fix the cause, then run \`${resumeCommand}\` again: it resumes a version left in AWSPENDING (\`rotakit status\` shows it).`,
  );
}
