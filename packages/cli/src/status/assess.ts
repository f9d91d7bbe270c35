import type {
  DescribeSecretResponse,
  SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { definedOnly, type ManagedSecret, managedSecretOf } from '@rotakit/core';
import {
  describeManagedSecret,
  type ManagedRotationCommands,
  managedRotationCommands,
} from '@rotakit/rotation-core';
import { describeDuration } from '../duration.js';

export type Verdict =
  | 'healthy'
  | 'stuck'
  | 'rotation-in-progress'
  | 'rds-managed'
  | 'service-managed'
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
  /** Owned by RDS (`ManageMasterUserPassword`): RDS rotates it itself, no rotation function. */
  rdsManaged: boolean;
  /** The service that owns and rotates the secret (`rds`), when another service does. */
  owningService?: string;
  /** What said so: DescribeSecret's `OwningService`, an `aws:` tag, or an `rds!` name. */
  managedEvidence?: ManagedSecret['evidence'];
  /** RDS-managed: the DB cluster or instance whose master user password it holds. */
  rdsResource?: { type: 'cluster' | 'instance'; arn?: string; identifier?: string };
  /** A managed secret: the commands that rotate it the owning service's way. */
  managedCommands?: { rotateSecret: string; rdsRotate?: string };
  rotationLambdaArn?: string;
  rotationSchedule?: string;
  /** RotationRules.Duration: the window in which each rotation runs, e.g. `3h`. */
  rotationWindow?: string;
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
  const managed = managedSecretOf(secret);
  const secretId = secret.Name || secret.ARN || '';
  const commands = managed ? managedRotationCommands(secretId, managed) : undefined;
  const rotationEnabled = secret.RotationEnabled === true;

  const pending = pendingOf(pendingVersionId, currentVersionId, created, now, {
    stuckAfterMs,
    stuckAfterSource,
  });
  const { verdict, message } =
    managed && commands
      ? judgeManaged(managed, commands, pending, currentVersionId, rotationEnabled)
      : pending
        ? judgePending(pending)
        : judgeSettled(currentVersionId, rotationEnabled);

  return {
    name: secret.Name ?? '',
    arn: secret.ARN ?? '',
    verdict,
    ok: verdict !== 'stuck' && verdict !== 'no-current-version',
    message,
    rotationEnabled,
    rdsManaged: managed?.owningService === 'rds',
    ...managedFields(managed, commands),
    ...scheduleFields(secret),
    ...definedOnly({
      currentVersionId,
      pendingVersionId,
      previousVersionId,
    }),
    stuckAfterMs,
    stuckAfterSource,
    versions: versionsOf(stages, created),
  };
}

/** The pending version when it is not AWSCURRENT, with its age read against the rule. */
function pendingOf(
  pendingVersionId: string | undefined,
  currentVersionId: string | undefined,
  created: Map<string | undefined, Date | undefined>,
  now: Date,
  rule: Pick<SecretStatus, 'stuckAfterMs' | 'stuckAfterSource'>,
): Pending | undefined {
  if (!pendingVersionId || pendingVersionId === currentVersionId) return undefined;
  const createdDate = created.get(pendingVersionId);
  // No creation date: nothing says it is young, so it counts as stuck.
  const ageMs = createdDate ? now.getTime() - createdDate.getTime() : Number.POSITIVE_INFINITY;
  return {
    versionId: pendingVersionId,
    ageMs,
    rule: stuckRule(rule.stuckAfterMs, rule.stuckAfterSource),
    stuck: ageMs >= rule.stuckAfterMs,
  };
}

/** The owner a status recorded, as @rotakit/core's ManagedSecret (undefined: the account's own). */
export function managedSecretOfStatus(status: SecretStatus): ManagedSecret | undefined {
  const { owningService, managedEvidence, rdsResource } = status;
  if (!owningService || !managedEvidence) return undefined;
  const resource = rdsResource && {
    type: rdsResource.type,
    arn: rdsResource.arn,
    identifier: rdsResource.identifier,
  };
  return { owningService, evidence: managedEvidence, rdsResource: resource };
}

function versionsOf(
  stages: Record<string, string[]>,
  created: Map<string | undefined, Date | undefined>,
): VersionStatus[] {
  return Object.entries(stages)
    .map(([versionId, labels]) => ({
      versionId,
      stages: [...labels].sort(),
      ...definedOnly({ createdDate: iso(created.get(versionId)) }),
    }))
    .sort((a, b) => (b.createdDate ?? '').localeCompare(a.createdDate ?? ''));
}

function scheduleFields(secret: DescribeSecretResponse) {
  const rules = secret.RotationRules;
  const rotationSchedule =
    rules?.ScheduleExpression ??
    (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : undefined);
  return definedOnly({
    rotationLambdaArn: secret.RotationLambdaARN,
    rotationSchedule,
    rotationWindow: rules?.Duration,
    lastRotatedDate: iso(secret.LastRotatedDate),
    nextRotationDate: iso(secret.NextRotationDate),
    lastChangedDate: iso(secret.LastChangedDate),
  });
}

function managedFields(
  managed: ManagedSecret | undefined,
  commands: ManagedRotationCommands | undefined,
): Pick<SecretStatus, 'owningService' | 'managedEvidence' | 'rdsResource' | 'managedCommands'> {
  if (!managed || !commands) return {};
  const resource = managed.rdsResource;
  return {
    owningService: managed.owningService,
    managedEvidence: managed.evidence,
    ...(resource
      ? {
          rdsResource: {
            type: resource.type,
            ...definedOnly({ arn: resource.arn, identifier: resource.identifier }),
          },
        }
      : {}),
    managedCommands: {
      rotateSecret: commands.rotateSecret,
      ...definedOnly({ rdsRotate: commands.rdsRotate }),
    },
  };
}

type Judgement = { verdict: Verdict; message: string };

/** A pending version that is not AWSCURRENT, and how the stuck-after rule reads it. */
interface Pending {
  versionId: string;
  ageMs: number;
  /** The rule, in words, with where its age came from. */
  rule: string;
  stuck: boolean;
}

function stuckRule(stuckAfterMs: number, source: SecretStatus['stuckAfterSource']): string {
  const after = describeDuration(stuckAfterMs);
  return `a pending version counts as stuck after ${after}, ${source === 'default' ? 'the default; --stuck-after changes it' : 'from --stuck-after'}`;
}

function judgePending(pending: Pending): Judgement {
  const { versionId, ageMs, rule } = pending;
  if (!pending.stuck) {
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

function judgeSettled(currentVersionId: string | undefined, rotationEnabled: boolean): Judgement {
  if (!currentVersionId) return noCurrentVersion();
  if (!rotationEnabled) {
    return { verdict: 'rotation-disabled', message: 'Rotation is not enabled for this secret.' };
  }
  return { verdict: 'healthy', message: 'Rotation is enabled and no rotation is pending.' };
}

function noCurrentVersion(): Judgement {
  return {
    verdict: 'no-current-version',
    message:
      'No version is labelled AWSCURRENT: readers of this secret get ResourceNotFoundException.',
  };
}

/**
 * A secret another service rotates: never "run rotakit rotate/unstick". RDS documents that
 * its rotation "typically completes within one minute" and that meanwhile new connections
 * that read the secret may get the previous credentials.
 */
function judgeManaged(
  managed: ManagedSecret,
  commands: ManagedRotationCommands,
  pending: Pending | undefined,
  currentVersionId: string | undefined,
  rotationEnabled: boolean,
): Judgement {
  if (!currentVersionId) return noCurrentVersion();
  const owner = `${capitalised(describeManagedSecret(managed))}.`;
  if (pending && !pending.stuck) {
    return {
      verdict: 'rotation-in-progress',
      message:
        `${owner} ${ownerOf(managed)} is rotating it now: AWSPENDING is on version ${pending.versionId}, created ${Math.round(pending.ageMs / 1000)} s ago (${pending.rule}). ` +
        'A managed rotation typically completes within a minute; until AWSCURRENT moves, a new connection may read the replaced password, so apps must re-read the secret when a login is refused (1045).',
    };
  }
  if (pending) {
    return {
      verdict: 'stuck',
      message:
        `${owner} Its rotation has not completed: AWSPENDING is on version ${pending.versionId}, which is not AWSCURRENT (${pending.rule}). ` +
        `rotakit does not unstick a secret ${ownerOf(managed)} owns. ${managedDiagnosis(managed)}`,
    };
  }
  const off = rotationEnabled ? '' : ' Rotation is turned off for it.';
  return {
    verdict: managed.owningService === 'rds' ? 'rds-managed' : 'service-managed',
    message:
      `${owner}${off} Rotate it now with \`${commands.rotateSecret}\` (it starts ${ownerOf(managed)}'s own rotation); ` +
      'change its schedule in the Secrets Manager console or with the same command and --rotation-rules. Apps must re-read it when a login is refused (1045).',
  };
}

/** Where to look when RDS's own rotation does not finish: MasterUserSecret's status. */
function managedDiagnosis(managed: ManagedSecret): string {
  const resource = managed.rdsResource;
  if (!resource) return `Look at ${ownerOf(managed)}'s events for the secret.`;
  const id = resource.identifier ?? `<${resource.type}-id>`;
  const describe =
    resource.type === 'cluster'
      ? `aws rds describe-db-clusters --db-cluster-identifier ${id} --query 'DBClusters[0].MasterUserSecret'`
      : `aws rds describe-db-instances --db-instance-identifier ${id} --query 'DBInstances[0].MasterUserSecret'`;
  return (
    `Look at the MasterUserSecret status (\`${describe}\`): rotating means RDS is still at it; ` +
    'impaired means RDS cannot rotate it (for example it lost access to the secret or its KMS key): fix that access, or turn ManageMasterUserPassword off and on again. The RDS events say more.'
  );
}

function ownerOf(managed: ManagedSecret): string {
  return managed.owningService === 'rds' ? 'RDS' : managed.owningService;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
