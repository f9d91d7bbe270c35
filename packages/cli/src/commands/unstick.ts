import { createInterface } from 'node:readline/promises';
import {
  GetSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { probeMysql } from '@rotakit/netcheck';
import { defaultTrustedCas } from '@rotakit/rds-trust';
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

  // If the rotation failed after setSecret, the database already uses the pending password:
  // removing the label would leave the only working password in an unlabelled version.
  const live = await out.progress('Checking which password the database uses', () =>
    pendingPasswordIsLive(client, secretId, pending),
  );
  if (live.state === 'live' && !options.force) {
    const message =
      `The database already accepts the AWSPENDING password of version ${pending} (the rotation failed after setSecret). ` +
      `Removing the label would leave the password in use unlabelled. Finish the rotation instead: \`rotakit rotate ${secretId}\` resumes version ${pending}. ` +
      '(--force removes the label anyway.)';
    if (out.json)
      out.printJson({
        changed: false,
        verdict: before.verdict,
        pendingPasswordLive: true,
        message,
      });
    else out.error(message);
    return ExitCode.CheckFailed;
  }
  if (live.state === 'unknown' && !out.json) {
    out.error(
      `warning: could not check whether the database already uses the pending password (${live.reason}). ` +
        `If the rotation failed after setSecret, run \`rotakit rotate ${secretId}\` instead of unsticking.`,
    );
  }

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
      pendingPasswordLive: live.state === 'live' ? true : live.state === 'not-live' ? false : null,
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

type PendingCheck = { state: 'live' | 'not-live' } | { state: 'unknown'; reason: string };

/**
 * Logs in once with the pending version's credentials (from this machine). Only an access
 * denied proves the database still has the old password; anything else is "unknown".
 */
async function pendingPasswordIsLive(
  client: SecretsManagerClient,
  secretId: string,
  versionId: string,
): Promise<PendingCheck> {
  let secret: Record<string, unknown>;
  try {
    const value = await client.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        VersionId: versionId,
        VersionStage: 'AWSPENDING',
      }),
    );
    secret = JSON.parse(value.SecretString ?? '') as Record<string, unknown>;
  } catch (error) {
    const name = (error as { name?: string }).name;
    // createSecret never stored a value: the database cannot have the pending password.
    if (name === 'ResourceNotFoundException') return { state: 'not-live' };
    return {
      state: 'unknown',
      reason: name === 'SyntaxError' ? 'the pending value is not JSON' : `${name}`,
    };
  }
  const { host, port, username, password, dbname, ssl } = secret;
  if (typeof host !== 'string' || typeof username !== 'string' || typeof password !== 'string') {
    return { state: 'unknown', reason: 'the pending value has no host, username and password' };
  }
  const probe = await probeMysql({
    host,
    port: typeof port === 'number' ? port : Number(port ?? 3306),
    timeoutMs: 5000,
    login: {
      user: username,
      password,
      ...(typeof dbname === 'string' ? { database: dbname } : {}),
      ...(ssl === true || ssl === 'true'
        ? { ssl: { ca: [...defaultTrustedCas()], rejectUnauthorized: true } }
        : {}),
    },
  });
  if (probe.ok) return { state: 'live' };
  if (probe.status === 'access-denied') return { state: 'not-live' };
  return { state: 'unknown', reason: `database ${host}: ${probe.status}` };
}
