import { definedOnly } from '@rotakit/core';
import {
  invalidParameter,
  markedForDeletion,
  resourceNotFound,
  ServiceError,
  validation,
} from '../errors.js';
import type { SecretRecord, SecretStore } from '../store.js';
import { AWSCURRENT } from '../store.js';
import {
  decodeNextToken,
  encodeNextToken,
  type Operation,
  readName,
  readSecretId,
  readTags,
  readToken,
  readType,
  readValue,
  replicationStatusOf,
  seconds,
  secretMetadata,
} from './context.js';
import { crossAccountUnsupported } from './cross-account.js';
import { readFilters } from './filters.js';
import { readReplicaRegions, replicate } from './replication.js';
import { secretValueResponse } from './values.js';

export const createSecret: Operation = (input, { store }) => {
  if (input.body.CrossAccountPrimaryARN !== undefined) throw crossAccountUnsupported();
  const name = readName(input);
  const token = readToken(input);
  const description = input.string('Description', { max: 2048 });
  const kmsKeyId = input.string('KmsKeyId', { max: 2048 });
  const value = readValue(input);
  const tags = readTags(input);
  const type = readType(input);
  const replicaRegions = readReplicaRegions(input, store.region, false);
  const force = input.boolean('ForceOverwriteReplicaSecret') ?? false;
  const { secret, version, created } = store.create({
    name,
    token,
    ...definedOnly({ value, description, kmsKeyId, tags }),
  });
  if (created && type !== undefined) secret.type = type;
  const out: Record<string, unknown> = { ARN: secret.arn, Name: secret.name };
  if (version !== undefined) out.VersionId = version.versionId;
  if (created && replicaRegions !== undefined) {
    replicate(store, secret, replicaRegions, force);
    out.ReplicationStatus = replicationStatusOf(store, secret);
  }
  return out;
};

export const updateSecret: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const token = readToken(input);
  const description = input.string('Description', { max: 2048 });
  const kmsKeyId = input.string('KmsKeyId', { max: 2048 });
  const value = readValue(input);
  const type = readType(input);
  const secret = store.resolveLive(secretId);
  // The value first: a refused value (a reused token) must leave the metadata unchanged too.
  const version =
    value === undefined ? undefined : store.putValue(secret, token, value, [AWSCURRENT]);
  if (description !== undefined || kmsKeyId !== undefined) {
    store.updateMetadata(secret, description, kmsKeyId);
  }
  if (type !== undefined) {
    secret.type = type;
    store.changed(secret);
  }
  if (version === undefined) return { ARN: secret.arn, Name: secret.name };
  return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
};

export const describeSecret: Operation = (input, { store }) => {
  const secret = store.resolve(readSecretId(input));
  return secretMetadata(store, secret, 'VersionIdsToStages');
};

export const deleteSecret: Operation = (input, { store, runner }) => {
  const secretId = readSecretId(input);
  const days = input.integer('RecoveryWindowInDays');
  const force = input.boolean('ForceDeleteWithoutRecovery') ?? false;
  if (days !== undefined && force) {
    throw invalidParameter(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  if (days !== undefined && (days < 7 || days > 30)) {
    throw invalidParameter(
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
  }
  const secret = store.find(secretId);
  // ForceDeleteWithoutRecovery: "If you forcibly delete an already deleted or nonexistent
  // secret, the operation does not return ResourceNotFoundException." What it answers instead
  // is not documented: ours answers as though it had deleted it.
  if (secret === undefined) {
    if (!force) throw resourceNotFound();
    return forcedDeleteOfNothing(store, secretId);
  }
  if (secret.deletedDate !== undefined && !force) throw markedForDeletion();
  if (secret.replicas !== undefined && secret.replicas.size > 0) throw stillReplicated(secret);
  const deletionDate = store.scheduleDeletion(secret, force ? undefined : (days ?? 30));
  if (force) runner.cancel(secret.arn);
  return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate) };
};

/**
 * "You can't delete a primary secret that is replicated to other Regions" (API reference); the
 * class and wording are the service's as users' published error logs show them.
 */
function stillReplicated(secret: SecretRecord): ServiceError {
  const regions = [...(secret.replicas?.keys() ?? [])].sort().join(', ');
  return invalidParameter(
    `You can't delete secret ${secret.arn} that still has replica regions [${regions}].`,
  );
}

function forcedDeleteOfNothing(store: SecretStore, secretId: string): Record<string, unknown> {
  const arn = secretId.startsWith('arn:') ? secretId : `${store.arnPrefix()}${secretId}`;
  const name = secretId.startsWith('arn:') ? (secretId.split(':secret:')[1] ?? secretId) : secretId;
  return { ARN: arn, Name: name, DeletionDate: seconds(store.now()) };
}

export const restoreSecret: Operation = (input, { store }) => {
  const secret = store.resolve(readSecretId(input));
  store.restore(secret);
  return { ARN: secret.arn, Name: secret.name };
};

export const tagResource: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const tags = readTags(input);
  if (tags === undefined) {
    throw validation("Value null at 'tags' failed to satisfy constraint: Member must not be null");
  }
  const secret = store.resolveLive(secretId);
  const keys = new Set([...secret.tags.keys(), ...tags.map(([key]) => key)]);
  if (keys.size > 50) {
    throw ServiceError.of('LimitExceededException', 'A secret can have at most 50 tags.');
  }
  store.setTags(secret, tags);
  return {};
};

export const untagResource: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const keys = input.stringList('TagKeys', {}, { min: 1, max: 128 });
  if (keys === undefined) {
    throw validation(
      "Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
    );
  }
  const secret = store.resolveLive(secretId);
  store.removeTags(secret, keys);
  return {};
};

const SORT_BY = ['created-date', 'last-accessed-date', 'last-changed-date', 'name'];

export const listSecrets: Operation = (input, { store }) => {
  const maxResults = input.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const offset = decodeNextToken(input.string('NextToken', { min: 1, max: 4096 }));
  const includeDeleted = input.boolean('IncludePlannedDeletion') ?? false;
  const filter = readFilters(input, store);
  const sortOrder = input.string('SortOrder') ?? 'asc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw validation(
      `Value '${sortOrder}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]`,
    );
  }
  const sortBy = input.string('SortBy') ?? 'created-date';
  if (!SORT_BY.includes(sortBy)) {
    throw validation(
      `Value '${sortBy}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [${SORT_BY.join(', ')}]`,
    );
  }
  const all = store
    .list()
    .filter((s) => includeDeleted || s.deletedDate === undefined)
    .filter((s) => filter === undefined || filter(s));
  all.sort((a, b) => compare(a, b, sortBy) * (sortOrder === 'asc' ? 1 : -1));
  const page = all.slice(offset, offset + maxResults);
  const out: Record<string, unknown> = {
    SecretList: page.map((s) => secretMetadata(store, s, 'SecretVersionsToStages')),
  };
  if (offset + maxResults < all.length) out.NextToken = encodeNextToken(offset + maxResults);
  return out;
};

function compare(a: SecretRecord, b: SecretRecord, sortBy: string): number {
  switch (sortBy) {
    case 'name':
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    case 'last-accessed-date':
      return (a.lastAccessedDate ?? 0) - (b.lastAccessedDate ?? 0);
    case 'last-changed-date':
      return a.lastChangedDate - b.lastChangedDate;
    default:
      return a.createdDate - b.createdDate;
  }
}

export const batchGetSecretValue: Operation = (input, { store }) => {
  const ids = input.stringList('SecretIdList', { min: 1, max: 20 }, { min: 1, max: 2048 });
  const filter = readFilters(input, store);
  const maxResults = input.integer('MaxResults', { min: 1, max: 20 });
  const nextToken = input.string('NextToken', { min: 1, max: 4096 });
  if ((ids === undefined) === (filter === undefined)) {
    throw invalidParameter('Either SecretIdList or Filters must be provided, but not both.');
  }
  if (ids !== undefined && (maxResults !== undefined || nextToken !== undefined)) {
    throw invalidParameter('MaxResults and NextToken can only be used with Filters.');
  }
  const values: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  const read = (secretId: string, secret?: SecretRecord) => {
    try {
      const target = secret ?? store.resolveLive(secretId);
      values.push(secretValueResponse(store, target));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      errors.push({ SecretId: secretId, ErrorCode: error.type, Message: error.message });
    }
  };
  const out: Record<string, unknown> = {};
  if (ids !== undefined) {
    for (const id of ids) read(id);
  } else {
    const limit = maxResults ?? 20;
    const offset = decodeNextToken(nextToken);
    const matching = store.list().filter((s) => s.deletedDate === undefined && filter?.(s));
    for (const secret of matching.slice(offset, offset + limit)) read(secret.name, secret);
    if (offset + limit < matching.length) out.NextToken = encodeNextToken(offset + limit);
  }
  out.SecretValues = values;
  out.Errors = errors;
  return out;
};
