import { invalidRequest } from '../errors.js';
import { AWSCURRENT, type SecretRecord, type SecretStore } from '../store.js';
import {
  decodeNextToken,
  encodeNextToken,
  type Operation,
  readSecretId,
  readToken,
  readValue,
  seconds,
  valueFields,
} from './context.js';

export const getSecretValue: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const versionId = input.string('VersionId', { min: 32, max: 64 });
  const stage = input.string('VersionStage', { min: 1, max: 256 });
  return secretValueResponse(store, store.resolveLive(secretId), versionId, stage);
};

/** One secret value as GetSecretValue (and each entry of BatchGetSecretValue) returns it. */
export function secretValueResponse(
  store: SecretStore,
  secret: SecretRecord,
  versionId?: string,
  stage?: string,
): Record<string, unknown> {
  const version = store.readValue(secret, versionId, stage);
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...valueFields(version.value),
    VersionStages: store.stagesOf(secret, version.versionId),
    CreatedDate: seconds(version.createdDate),
  };
}

export const putSecretValue: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const token = readToken(input);
  const value = readValue(input);
  const stages = input.stringList('VersionStages', { min: 1, max: 20 }, { min: 1, max: 256 });
  input.string('RotationToken', { min: 36, max: 256 });
  if (value === undefined) {
    throw invalidRequest('You must provide either SecretString or SecretBinary.');
  }
  const secret = store.resolveLive(secretId);
  const version = store.putValue(secret, token, value, stages ?? [AWSCURRENT]);
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    VersionStages: store.stagesOf(secret, version.versionId),
  };
};

export const updateSecretVersionStage: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const stage = input.requiredString('VersionStage', { min: 1, max: 256 });
  const moveTo = input.string('MoveToVersionId', { min: 32, max: 64 });
  const removeFrom = input.string('RemoveFromVersionId', { min: 32, max: 64 });
  const secret = store.resolveLive(secretId);
  store.updateStage(secret, stage, moveTo, removeFrom);
  return { ARN: secret.arn, Name: secret.name };
};

export const listSecretVersionIds: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const maxResults = input.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const offset = decodeNextToken(input.string('NextToken', { min: 1, max: 4096 }));
  const includeDeprecated = input.boolean('IncludeDeprecated') ?? false;
  const secret = store.resolve(secretId);
  const versions = [...secret.versions.values()]
    .map((version) => ({ version, stages: store.stagesOf(secret, version.versionId) }))
    .filter(({ stages }) => includeDeprecated || stages.length > 0);
  const page = versions.slice(offset, offset + maxResults).map(({ version, stages }) => {
    const entry: Record<string, unknown> = { VersionId: version.versionId, VersionStages: stages };
    if (version.lastAccessedDate !== undefined)
      entry.LastAccessedDate = seconds(version.lastAccessedDate);
    entry.CreatedDate = seconds(version.createdDate);
    return entry;
  });
  const out: Record<string, unknown> = { Versions: page, ARN: secret.arn, Name: secret.name };
  if (offset + maxResults < versions.length) out.NextToken = encodeNextToken(offset + maxResults);
  return out;
};
