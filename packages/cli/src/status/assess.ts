import type {
  DescribeSecretResponse,
  SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { definedOnly } from '@rotakit/core';
import { describeDuration } from '../duration.js';

export type Verdict =
  | 'healthy'
  | 'stuck'
  | 'rotation-in-progress'
  | 'rds-managed'
  | 'rotation-disabled'
  | 'no-current-version';

export interface VersionStatus {
  versionId: string;
  stages: string[];
  createdDate?: string;
}

/** What `rotakit status` reports; a stable JSON shape for `--json`. */
export interface SecretStatus {
  name: string;
  arn: string;
  verdict: Verdict;
  /** False when the verdict needs action (exit code 1). */
  ok: boolean;
  message: string;
  rotationEnabled: boolean;
  rdsManaged: boolean;
  rotationLambdaArn?: string;
  rotationSchedule?: string;
  lastRotatedDate?: string;
  nextRotationDate?: string;
  lastChangedDate?: string;
  currentVersionId?: string;
  pendingVersionId?: string;
  previousVersionId?: string;
  /** A pending version older than this counts as stuck, younger as a rotation still running. */
  stuckAfterMs: number;
  /** `default` or `--stuck-after`: which one decided. */
  stuckAfterSource: 'default' | '--stuck-after';
  versions: VersionStatus[];
}

export interface AssessOptions {
  /** Age after which a pending version counts as stuck. @default IN_PROGRESS_WINDOW_MS (10 min) */
  stuckAfterMs?: number;
}

/**
 * A pending version younger than this is probably a rotation still running: the service
 * gives the steps minutes, and unsticking a live rotation would break it.
 */
export const IN_PROGRESS_WINDOW_MS = 10 * 60 * 1000;

function versionWith(stages: Record<string, string[]>, label: string): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(label))?.[0];
}

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

/** Pure: turns DescribeSecret (+ ListSecretVersionIds) into a verdict. */
export function assessSecret(
  secret: DescribeSecretResponse,
  versionList: readonly SecretVersionsListEntry[] = [],
  now: Date = new Date(),
  options: AssessOptions = {},
): SecretStatus {
  const stuckAfterMs = options.stuckAfterMs ?? IN_PROGRESS_WINDOW_MS;
  const stuckAfterSource: SecretStatus['stuckAfterSource'] =
    options.stuckAfterMs === undefined ? 'default' : '--stuck-after';
  const stages = secret.VersionIdsToStages ?? {};
  const currentVersionId = versionWith(stages, 'AWSCURRENT');
  const pendingVersionId = versionWith(stages, 'AWSPENDING');
  const previousVersionId = versionWith(stages, 'AWSPREVIOUS');
  const created = new Map(versionList.map((v) => [v.VersionId, v.CreatedDate]));
  const rdsManaged = secret.OwningService === 'rds' || (secret.Name ?? '').startsWith('rds!');
  const rotationEnabled = secret.RotationEnabled === true;
  const rules = secret.RotationRules;
  const rotationSchedule =
    rules?.ScheduleExpression ??
    (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : undefined);

  const versions: VersionStatus[] = Object.entries(stages)
    .map(([versionId, labels]) => ({
      versionId,
      stages: [...labels].sort(),
      ...definedOnly({ createdDate: iso(created.get(versionId)) }),
    }))
    .sort((a, b) => (b.createdDate ?? '').localeCompare(a.createdDate ?? ''));

  const pendingCreated = pendingVersionId ? created.get(pendingVersionId) : undefined;
  const { verdict, message } =
    pendingVersionId && pendingVersionId !== currentVersionId
      ? judgePending(
          pendingVersionId,
          pendingCreated ? now.getTime() - pendingCreated.getTime() : Number.POSITIVE_INFINITY,
          stuckAfterMs,
          stuckAfterSource,
        )
      : judgeSettled(currentVersionId, rdsManaged, rotationEnabled);

  return {
    name: secret.Name ?? '',
    arn: secret.ARN ?? '',
    verdict,
    ok: verdict !== 'stuck' && verdict !== 'no-current-version',
    message,
    rotationEnabled,
    rdsManaged,
    ...definedOnly({
      rotationLambdaArn: secret.RotationLambdaARN,
      rotationSchedule,
      lastRotatedDate: iso(secret.LastRotatedDate),
      nextRotationDate: iso(secret.NextRotationDate),
      lastChangedDate: iso(secret.LastChangedDate),
      currentVersionId,
      pendingVersionId,
      previousVersionId,
    }),
    stuckAfterMs,
    stuckAfterSource,
    versions,
  };
}

type Judgement = { verdict: Verdict; message: string };

function judgePending(
  versionId: string,
  ageMs: number,
  stuckAfterMs: number,
  source: SecretStatus['stuckAfterSource'],
): Judgement {
  const after = describeDuration(stuckAfterMs);
  const rule = `a pending version counts as stuck after ${after}, ${source === 'default' ? 'the default; --stuck-after changes it' : 'from --stuck-after'}`;
  if (ageMs < stuckAfterMs) {
    return {
      verdict: 'rotation-in-progress',
      message:
        `AWSPENDING is on version ${versionId}, created ${Math.round(ageMs / 1000)} s ago: ` +
        `a rotation is probably running (${rule}). If you stopped that rotation yourself, ` +
        'it is not running: `rotakit rotate` resumes it.',
    };
  }
  return {
    verdict: 'stuck',
    message:
      `Rotation is stuck: AWSPENDING is on version ${versionId}, which is not AWSCURRENT (${rule}). ` +
      `Every RotateSecret fails with "A previous rotation isn't complete" until it is removed: ` +
      'find why the last rotation failed (rotation function logs, `rotakit doctor`), then run `rotakit unstick`.',
  };
}

function judgeSettled(
  currentVersionId: string | undefined,
  rdsManaged: boolean,
  rotationEnabled: boolean,
): Judgement {
  if (!currentVersionId) {
    return {
      verdict: 'no-current-version',
      message:
        'No version is labelled AWSCURRENT: readers of this secret get ResourceNotFoundException.',
    };
  }
  if (rdsManaged) {
    return {
      verdict: 'rds-managed',
      message:
        'Managed by RDS (ManageMasterUserPassword): RDS rotates it without a Lambda. ' +
        'Change rotation with the RDS API, not Secrets Manager.',
    };
  }
  if (!rotationEnabled) {
    return { verdict: 'rotation-disabled', message: 'Rotation is not enabled for this secret.' };
  }
  return { verdict: 'healthy', message: 'Rotation is enabled and no rotation is pending.' };
}
