import { createInterface } from 'node:readline/promises';
import {
  GetSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  classifyAwsError,
  engineOf,
  parseRdsSecret,
  RdsSecret,
  SecretFormatError,
} from '@rotakit/core';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, InterruptedError, UsageError } from '../errors.js';
import { managedSecretOfStatus, type SecretStatus } from '../status/assess.js';
import { readSecretStatus, stuckAfterOption } from '../status/read.js';
import { managedSecretRefusal } from './managed.js';
import { checkPendingLogin, type PendingCheck, REFUSED_PASSWORD_CODE } from './pending-login.js';

export interface UnstickOptions {
  yes?: boolean;
  /** Waives one refusal: a pending version young enough to be a rotation still running. */
  force?: boolean;
  /**
   * Waives the other: the database already uses the pending password (the rotation failed
   * after setSecret), so removing the label leaves AWSCURRENT with a password that no longer
   * logs in.
   */
  discardLivePending?: boolean;
  /** `--stuck-after`: e.g. `90s`, `10m`. */
  stuckAfter?: string;
}

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      // On a terminal, readline reads Ctrl-C as a key: no SIGINT reaches the process.
      rl.once('SIGINT', () =>
        reject(new InterruptedError('interrupted at the confirmation prompt; nothing changed')),
      );
      rl.question(`${question} [y/N] `).then(resolve, reject);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function unstickCommand(
  ctx: CommandContext,
  secretId: string,
  options: UnstickOptions,
): Promise<ExitCode> {
  const { out } = ctx;
  const before = await readSecretStatus(ctx, secretId, stuckAfterOption(options.stuckAfter));
  // No flag waives this one: the owning service moves the labels of its secrets.
  const managed = managedSecretOfStatus(before);
  if (managed) throw managedSecretRefusal('unstick', secretId, managed);
  const pending = before.pendingVersionId;
  const refusal = refuseUnlessStuck(before, options);
  if (refusal) return report(ctx, refusal);
  if (!pending) throw new CliError('internal: stuck without a pending version');

  // If the rotation failed after setSecret, the database already uses the pending password:
  // removing the label would leave the only working password in an unlabelled version.
  const live = await out.progress('Checking which password the database uses', () =>
    pendingPasswordIsLive(ctx.secretsManager(), secretId, pending),
  );
  if (live.state === 'live' && !options.discardLivePending) {
    return report(ctx, livePendingRefusal(ctx, secretId, before, { pending, live }, options));
  }
  warnBeforeRemoving(ctx, secretId, pending, live);

  const plan = `Remove the AWSPENDING label from version ${pending} of ${before.name} (AWSCURRENT stays on ${before.currentVersionId ?? 'no version'}; no value changes).`;
  if (!out.json) out.line(plan);
  if (!options.yes && !(await confirmed(ctx))) {
    out.error('Aborted; nothing changed.');
    return ExitCode.CheckFailed;
  }
  await removePendingLabel(ctx, secretId, pending);
  return reportRemoved(ctx, secretId, pending, live, options);
}

interface Refusal {
  body: Record<string, unknown>;
  message: string;
  exitCode: ExitCode;
}

function report(ctx: CommandContext, refusal: Refusal): ExitCode {
  if (ctx.out.json) ctx.out.printJson({ ...refusal.body, message: refusal.message });
  else ctx.out.error(refusal.message);
  return refusal.exitCode;
}

function refuseUnlessStuck(before: SecretStatus, options: UnstickOptions): Refusal | undefined {
  if (before.verdict === 'stuck') return undefined;
  if (before.verdict === 'rotation-in-progress') {
    if (options.force) return undefined;
    return {
      body: { changed: false, verdict: before.verdict },
      message: `${before.message} Re-run with --force to remove AWSPENDING anyway (--force waives only this check).`,
      exitCode: ExitCode.CheckFailed,
    };
  }
  return {
    body: { changed: false, verdict: before.verdict },
    message: `Nothing to unstick: ${before.message}`,
    exitCode: ExitCode.Ok,
  };
}

function livePendingRefusal(
  ctx: CommandContext,
  secretId: string,
  before: SecretStatus,
  { pending, live }: { pending: string; live: Extract<PendingCheck, { state: 'live' }> },
  options: UnstickOptions,
): Refusal {
  const forceNote = options.force
    ? ' --force does not waive this: it only skips the rotation-still-running check.'
    : '';
  return {
    body: { changed: false, verdict: before.verdict, pendingPasswordLive: true },
    message:
      `The database already accepts the AWSPENDING password of version ${pending} (the rotation failed after setSecret). ` +
      `Removing the label would leave AWSCURRENT with a password the database no longer accepts: apps would fail to log in (${REFUSED_PASSWORD_CODE[live.engine]}). ` +
      `Finish the rotation instead: \`${ctx.commandLine('rotate', secretId)}\` resumes version ${pending}.${forceNote} ` +
      '(--discard-live-pending removes the label anyway.)',
    exitCode: ExitCode.CheckFailed,
  };
}

function warnBeforeRemoving(
  ctx: CommandContext,
  secretId: string,
  pending: string,
  live: PendingCheck,
): void {
  if (ctx.out.json) return;
  if (live.state === 'live') {
    ctx.out.error(
      `warning: --discard-live-pending: the database already uses the password of version ${pending}; ` +
        `after this, AWSCURRENT holds a password it no longer accepts and new logins with it fail (${REFUSED_PASSWORD_CODE[live.engine]}) until the password is set again.`,
    );
  } else if (live.state === 'unknown') {
    ctx.out.error(
      `warning: could not check whether the database already uses the pending password (${live.reason}). ` +
        `If the rotation failed after setSecret, run \`${ctx.commandLine('rotate', secretId)}\` instead of unsticking.`,
    );
  }
}

async function confirmed(ctx: CommandContext): Promise<boolean> {
  if (!ctx.io.stdin.isTTY) {
    throw new UsageError(
      'Refusing to change the secret without confirmation: stdin is not a terminal. Re-run with --yes.',
      { option: '--yes' },
    );
  }
  return confirm(ctx, 'Proceed?');
}

async function removePendingLabel(
  ctx: CommandContext,
  secretId: string,
  pending: string,
): Promise<void> {
  await ctx.callAws('UpdateSecretVersionStage', () =>
    ctx.secretsManager().send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: pending,
      }),
    ),
  );
}

async function reportRemoved(
  ctx: CommandContext,
  secretId: string,
  pending: string,
  live: PendingCheck,
  options: UnstickOptions,
): Promise<ExitCode> {
  const { out } = ctx;
  const after = await readSecretStatus(ctx, secretId, stuckAfterOption(options.stuckAfter));
  const fixed = after.verdict !== 'stuck' && after.verdict !== 'rotation-in-progress';
  if (out.json) {
    out.printJson({
      changed: true,
      removedFromVersionId: pending,
      verdict: after.verdict,
      ok: fixed,
      pendingPasswordLive: live.state === 'live' ? true : live.state === 'not-live' ? false : null,
      discardedLivePending: live.state === 'live',
      ...(live.state === 'unknown' ? { pendingPasswordCheck: live.reason } : {}),
    });
  } else if (fixed) {
    out.line(
      out.colors.green(`Done: AWSPENDING removed from ${pending}. Verdict now: ${after.verdict}.`),
    );
    out.line(
      'The next RotateSecret starts a fresh rotation. Fix the cause of the failed one first (`rotakit doctor`).',
    );
  } else {
    out.error(out.colors.red(`Re-read shows ${after.verdict}: ${after.message}`));
  }
  return fixed ? ExitCode.Ok : ExitCode.CheckFailed;
}

/** The pending version read with @rotakit/core's parser, or why it cannot be checked. */
async function readPendingSecret(
  client: SecretsManagerClient,
  secretId: string,
  versionId: string,
): Promise<RdsSecret | PendingCheck> {
  try {
    const value = await client.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        VersionId: versionId,
        VersionStage: 'AWSPENDING',
      }),
    );
    return parseRdsSecret(value.SecretString ?? '');
  } catch (error) {
    if (error instanceof SecretFormatError) {
      const reason =
        error.field === 'SecretString' ? 'the pending value is not JSON' : error.message;
      return { state: 'unknown', reason };
    }
    const { kind, code } = classifyAwsError(error);
    // createSecret never stored a value: the database cannot have the pending password.
    if (kind === 'not-found') return { state: 'not-live' };
    return { state: 'unknown', reason: code ?? 'Error' };
  }
}

/**
 * Logs in once with the pending version's credentials (from this machine). Only a refused
 * password proves the database still has the old one; a login refused only for the database
 * grant proves the pending one is live; anything else is "unknown".
 */
async function pendingPasswordIsLive(
  client: SecretsManagerClient,
  secretId: string,
  versionId: string,
): Promise<PendingCheck> {
  const read = await readPendingSecret(client, secretId, versionId);
  if (!(read instanceof RdsSecret)) return read;
  const { host, username, password } = read;
  if (host === undefined || username === undefined || password === undefined) {
    return { state: 'unknown', reason: 'the pending value has no host, username and password' };
  }
  try {
    return await checkPendingLogin(engineOf(read), { secret: read, host, username, password });
  } catch (error) {
    if (error instanceof SecretFormatError) return { state: 'unknown', reason: error.message };
    throw error;
  }
}
