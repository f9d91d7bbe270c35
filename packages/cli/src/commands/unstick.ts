import { createInterface } from 'node:readline/promises';
import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { callAws } from '../aws.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { readSecretStatus } from '../status/read.js';

export interface UnstickOptions {
  yes?: boolean;
  /** Also unstick a rotation that looks like it is still running. */
  force?: boolean;
}

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
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
  const client = ctx.secretsManager();
  const before = await readSecretStatus(client, secretId);
  const pending = before.pendingVersionId;

  if (before.verdict !== 'stuck' && !(before.verdict === 'rotation-in-progress' && options.force)) {
    const reason =
      before.verdict === 'rotation-in-progress'
        ? `${before.message} Re-run with --force to remove AWSPENDING anyway.`
        : `Nothing to unstick: ${before.message}`;
    if (out.json) out.printJson({ changed: false, verdict: before.verdict, message: reason });
    else out.error(reason);
    return before.verdict === 'rotation-in-progress' ? ExitCode.CheckFailed : ExitCode.Ok;
  }
  if (!pending)
    throw new CliError('internal: stuck without a pending version', ExitCode.CheckFailed);

  const plan = `Remove the AWSPENDING label from version ${pending} of ${before.name} (AWSCURRENT stays on ${before.currentVersionId ?? 'no version'}; no value changes).`;
  if (!out.json) out.line(plan);
  if (!options.yes) {
    if (!ctx.io.stdin.isTTY) {
      throw new UsageError(
        'Refusing to change the secret without confirmation: stdin is not a terminal. Re-run with --yes.',
      );
    }
    if (!(await confirm(ctx, 'Proceed?'))) {
      out.error('Aborted; nothing changed.');
      return ExitCode.CheckFailed;
    }
  }

  await callAws('UpdateSecretVersionStage', () =>
    client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: pending,
      }),
    ),
  );
  const after = await readSecretStatus(client, secretId);
  const fixed = after.verdict !== 'stuck' && after.verdict !== 'rotation-in-progress';
  if (out.json) {
    out.printJson({
      changed: true,
      removedFromVersionId: pending,
      verdict: after.verdict,
      ok: fixed,
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
