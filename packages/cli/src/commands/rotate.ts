import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  type Logger,
  mysql,
  RotationError,
  type RotationStrategy,
  type RunRotationStepEvent,
  runRotation,
} from '@rotakit/rotation-core';
import { callAws, secretsManagerEndpointUrl } from '../aws.js';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatDuration } from '../output.js';
import { describeFailure, type FailureReport } from './failure.js';

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
  const { out } = ctx;
  const client = ctx.secretsManager();
  if (
    options.strategy !== undefined &&
    !STRATEGIES.includes(options.strategy as RotationStrategy)
  ) {
    throw new UsageError(
      `--strategy must be one of ${STRATEGIES.join(', ')} (got ${options.strategy})`,
    );
  }
  const stepTimeoutMs = options.stepTimeout === undefined ? undefined : Number(options.stepTimeout);
  if (stepTimeoutMs !== undefined && !(Number.isInteger(stepTimeoutMs) && stepTimeoutMs > 0)) {
    throw new UsageError(
      `--step-timeout must be a positive number of milliseconds (got ${options.stepTimeout})`,
    );
  }
  const strategy =
    (options.strategy as RotationStrategy | undefined) ?? (await inferStrategy(ctx, secretId));
  const c = out.colors;
  const steps: StepLine[] = [];
  if (!out.json) out.line(`Rotating ${c.bold(secretId)} (${strategy}) from this machine`);

  const onStep = (event: RunRotationStepEvent) => {
    if (event.phase === 'start') return;
    const line: StepLine = {
      step: event.step,
      status: event.phase === 'error' ? 'failed' : event.skipped ? 'skipped' : 'ok',
      durationMs: Math.round(event.durationMs),
    };
    steps.push(line);
    if (out.json) return;
    const mark =
      line.status === 'failed' ? c.red('✗') : line.status === 'skipped' ? c.dim('-') : c.green('✓');
    const note = line.status === 'skipped' ? c.dim(' (already done)') : '';
    out.line(
      `  ${mark} ${line.step.padEnd(13)} ${formatDuration(line.durationMs).padStart(8)}${note}`,
    );
  };

  try {
    const result = await runRotation({
      secretId,
      client,
      onStep,
      ...(stepTimeoutMs !== undefined ? { stepTimeoutMs } : {}),
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
      options: {
        strategy,
        database: mysql(),
        logger: cliLogger(ctx, options.verbose ?? false),
        tls: {
          ...(options.strictTls ? { strict: true } : {}),
          ...(options.caBundle ? { ca: options.caBundle } : {}),
        },
      },
    });
    if (out.json) {
      out.printJson({
        ok: true,
        secretArn: result.secretArn,
        versionId: result.token,
        resumed: result.resumed,
        strategy,
        steps,
        durationMs: Math.round(result.durationMs),
      });
    } else {
      const resumed = result.resumed ? ' (resumed the incomplete earlier rotation)' : '';
      out.line(
        c.green(
          `Rotated in ${formatDuration(result.durationMs)}${resumed}: AWSCURRENT is now version ${result.token}.`,
        ),
      );
    }
    return ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof RotationError)) throw error;
    const failure = await out.progress('Diagnosing the failure', () =>
      describeFailure(error, {
        client,
        secretId,
        secretsManagerEndpoint: secretsManagerEndpointUrl(ctx.globals, ctx.io.env),
        signal: ctx.io.signal,
      }),
    );
    if (out.json) out.printJson({ ok: false, strategy, steps, error: failure });
    else printFailure(ctx, failure);
    return ExitCode.CheckFailed;
  }
}

async function inferStrategy(ctx: CommandContext, secretId: string): Promise<RotationStrategy> {
  const value = await callAws('GetSecretValue', () =>
    ctx.secretsManager().send(new GetSecretValueCommand({ SecretId: secretId })),
  );
  // A secret naming a master secret is set up for alternating users; the value is not kept.
  try {
    const parsed = JSON.parse(value.SecretString ?? '{}') as { masterarn?: unknown };
    return typeof parsed.masterarn === 'string' && parsed.masterarn
      ? 'alternating-users'
      : 'single-user';
  } catch {
    return 'single-user';
  }
}

/** Warnings (e.g. a plaintext fallback) matter on a terminal; the step chatter does not. */
function cliLogger(ctx: CommandContext, verbose: boolean): Logger {
  const write = (level: string, message: string) => ctx.io.stderr.write(`${level}: ${message}\n`);
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

function printFailure(ctx: CommandContext, failure: FailureReport): void {
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
    'Fix the cause, then run `rotakit rotate` again: it resumes a version left in AWSPENDING (`rotakit status` shows it).',
  );
}
