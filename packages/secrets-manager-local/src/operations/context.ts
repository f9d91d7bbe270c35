import { randomUUID } from 'node:crypto';
import { invalidParameter, validation } from '../errors.js';
import type { Input } from '../input.js';
import type { RotationOutcome, RotationRunner } from '../rotation.js';
import { SecretValue } from '../secret-value.js';
import type { SecretRecord, SecretStore } from '../store.js';

export interface OperationContext {
  readonly store: SecretStore;
  readonly runner: RotationRunner;
  /** Starts the rotation steps for a version that now holds AWSPENDING. */
  startRotation(
    secret: SecretRecord,
    token: string,
    rotateImmediately: boolean,
    trigger: RotationOutcome['trigger'],
  ): RotationOutcome;
}

export type Operation = (input: Input, ctx: OperationContext) => Record<string, unknown>;

export const MAX_SECRET_BYTES = 65_536;
const NAME = /^[A-Za-z0-9/_+=.@-]+$/;

export function seconds(ms: number): number {
  return ms / 1000;
}

export function readSecretId(input: Input, field = 'SecretId'): string {
  return input.requiredString(field, { min: 1, max: 2048 });
}

export function readToken(input: Input): string {
  return input.string('ClientRequestToken', { min: 32, max: 64 }) ?? randomUUID();
}

export function readName(input: Input): string {
  const name = input.requiredString('Name', { min: 1, max: 512 });
  if (!NAME.test(name)) {
    throw invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  return name;
}

export function readValue(input: Input): SecretValue | undefined {
  // The service model: both members have "min: 1"; an empty value is a validation error.
  const text = input.string('SecretString', { min: 1, sensitive: true });
  const bytes = input.blob('SecretBinary', { minBytes: 1, maxBytes: MAX_SECRET_BYTES });
  if (text !== undefined && bytes !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (text !== undefined) {
    // The service's quota is 65,536 bytes of secret value, whatever the encoding.
    if (Buffer.byteLength(text, 'utf8') > MAX_SECRET_BYTES) {
      throw validation(
        `Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_BYTES}`,
      );
    }
    return SecretValue.fromString(text);
  }
  return bytes === undefined ? undefined : SecretValue.fromBytes(bytes);
}

/** `Type` (the partner of a managed external secret): kept and shown, nothing more. */
export function readType(input: Input): string | undefined {
  return input.string('Type', { min: 1, max: 256 });
}

export function readTags(input: Input): Array<[string, string]> | undefined {
  const tags = input.structures('Tags', { max: 50 });
  return tags?.map((tag) => [
    tag.requiredString('Key', { min: 1, max: 128 }),
    tag.string('Value', { max: 256 }) ?? '',
  ]);
}

export function valueFields(value: SecretValue): Record<string, string> {
  return value.kind === 'string'
    ? { SecretString: value.text ?? '' }
    : { SecretBinary: (value.bytes ?? Buffer.alloc(0)).toString('base64') };
}

export function rotationRulesOf(secret: SecretRecord): Record<string, unknown> | undefined {
  const rules = secret.rotationRules;
  if (rules === undefined) return undefined;
  const out: Record<string, unknown> = {};
  if (rules.automaticallyAfterDays !== undefined)
    out.AutomaticallyAfterDays = rules.automaticallyAfterDays;
  if (rules.duration !== undefined) out.Duration = rules.duration;
  if (rules.scheduleExpression !== undefined) out.ScheduleExpression = rules.scheduleExpression;
  return out;
}

/** DescribeSecret's and ListSecrets' common fields; unset fields stay absent, never null. */
export function secretMetadata(
  store: SecretStore,
  secret: SecretRecord,
  stagesField: 'VersionIdsToStages' | 'SecretVersionsToStages',
): Record<string, unknown> {
  // A replica shows its primary's metadata; its ARN, KMS key and access date are its own.
  const source = store.primaryOf(secret);
  const out: Record<string, unknown> = { ARN: secret.arn, Name: secret.name };
  if (source.type !== undefined) out.Type = source.type;
  if (source.description !== undefined) out.Description = source.description;
  if (secret.kmsKeyId !== undefined) out.KmsKeyId = secret.kmsKeyId;
  if (source.rotationEnabled !== undefined) out.RotationEnabled = source.rotationEnabled;
  if (source.rotationLambdaArn !== undefined) out.RotationLambdaARN = source.rotationLambdaArn;
  const rules = rotationRulesOf(source);
  if (rules !== undefined) out.RotationRules = rules;
  if (source.lastRotatedDate !== undefined) out.LastRotatedDate = seconds(source.lastRotatedDate);
  out.LastChangedDate = seconds(source.lastChangedDate);
  if (secret.lastAccessedDate !== undefined)
    out.LastAccessedDate = seconds(secret.lastAccessedDate);
  if (secret.deletedDate !== undefined) out.DeletedDate = seconds(secret.deletedDate);
  if (source.rotationEnabled && source.nextRotationDate !== undefined) {
    out.NextRotationDate = seconds(source.nextRotationDate);
  }
  if (source.owningService !== undefined) out.OwningService = source.owningService;
  if (source.tags.size > 0) {
    out.Tags = [...source.tags].map(([Key, Value]) => ({ Key, Value }));
  }
  const stages: Record<string, string[]> = {};
  let any = false;
  for (const versionId of secret.versions.keys()) {
    const labels = store.stagesOf(secret, versionId);
    if (labels.length > 0) {
      stages[versionId] = labels;
      any = true;
    }
  }
  if (any) out[stagesField] = stages;
  out.CreatedDate = seconds(secret.createdDate);
  const primaryRegion = primaryRegionOf(secret);
  if (primaryRegion !== undefined) out.PrimaryRegion = primaryRegion;
  // DescribeSecret only: ListSecrets' SecretListEntry has no ReplicationStatus member.
  const replication =
    stagesField === 'VersionIdsToStages' ? replicationStatusOf(store, secret) : [];
  if (replication.length > 0) out.ReplicationStatus = replication;
  return out;
}

/** PrimaryRegion as DescribeSecret shows it: only for a replica or a primary with replicas. */
export function primaryRegionOf(secret: SecretRecord): string | undefined {
  if (secret.primaryRegion !== undefined) return secret.primaryRegion;
  return secret.replicas !== undefined && secret.replicas.size > 0 ? secret.region : undefined;
}

/** A primary's ReplicationStatus: one entry per replica region, with the replica's access date. */
export function replicationStatusOf(
  store: SecretStore,
  secret: SecretRecord,
): Record<string, unknown>[] {
  return [...(secret.replicas ?? [])].map(([region, replica]) => {
    const entry: Record<string, unknown> = { Region: region };
    if (replica.kmsKeyId !== undefined) entry.KmsKeyId = replica.kmsKeyId;
    entry.Status = replica.status;
    entry.StatusMessage = replica.statusMessage;
    const accessed = store.findInRegion(region, secret.name)?.lastAccessedDate;
    if (replica.status === 'InSync' && accessed !== undefined) {
      entry.LastAccessedDate = seconds(accessed);
    }
    return entry;
  });
}

/** NextToken: an opaque cursor (base64 of an offset), as opaque to clients as the service's. */
export function encodeNextToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64');
}

export function decodeNextToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    const offset = (parsed as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the service's error for a bad token.
  }
  throw invalidParameter('The NextToken value is not valid.');
}
