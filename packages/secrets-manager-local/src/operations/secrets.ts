import {
  invalidParameter,
  invalidRequest,
  markedForDeletion,
  ServiceError,
  validation,
} from '../errors.js';
import type { Input } from '../input.js';
import type { SecretRecord } from '../store.js';
import { AWSCURRENT } from '../store.js';
import {
  decodeNextToken,
  encodeNextToken,
  type Operation,
  readName,
  readSecretId,
  readTags,
  readToken,
  readValue,
  seconds,
  secretMetadata,
} from './context.js';
import { secretValueResponse } from './values.js';

export const createSecret: Operation = (input, { store }) => {
  const name = readName(input);
  const token = readToken(input);
  const description = input.string('Description', { max: 2048 });
  const kmsKeyId = input.string('KmsKeyId', { max: 2048 });
  const value = readValue(input);
  const tags = readTags(input);
  if (input.has('AddReplicaRegions')) {
    throw invalidRequest('Replication to other Regions is not supported by secrets-manager-local.');
  }
  const { secret, version } = store.create({
    name,
    token,
    ...(value !== undefined && { value }),
    ...(description !== undefined && { description }),
    ...(kmsKeyId !== undefined && { kmsKeyId }),
    ...(tags !== undefined && { tags }),
  });
  return version === undefined
    ? { ARN: secret.arn, Name: secret.name }
    : { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
};

export const updateSecret: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const token = readToken(input);
  const description = input.string('Description', { max: 2048 });
  const kmsKeyId = input.string('KmsKeyId', { max: 2048 });
  const value = readValue(input);
  const secret = store.resolveLive(secretId);
  if (description !== undefined || kmsKeyId !== undefined) {
    store.updateMetadata(secret, description, kmsKeyId);
  }
  if (value === undefined) return { ARN: secret.arn, Name: secret.name };
  const version = store.putValue(secret, token, value, [AWSCURRENT]);
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
  const secret = store.resolve(secretId);
  if (secret.deletedDate !== undefined && !force) throw markedForDeletion();
  const deletionDate = store.scheduleDeletion(secret, force ? undefined : (days ?? 30));
  if (force) runner.cancel(secret.arn);
  return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate) };
};

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
    throw new ServiceError('LimitExceededException', 'A secret can have at most 50 tags.');
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

const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];
const FILTER_VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;

export type SecretFilter = (secret: SecretRecord) => boolean;

/** ListSecrets/BatchGetSecretValue filters: values of one filter OR, filters AND. */
export function readFilters(input: Input): SecretFilter | undefined {
  const filters = input.structures('Filters', { max: 10 });
  if (filters === undefined) return undefined;
  const predicates = filters.map((filter) => {
    const key = filter.string('Key');
    if (key === undefined || !FILTER_KEYS.includes(key)) {
      throw validation(
        `Value ${key === undefined ? 'null' : `'${key}'`} at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    }
    const values = filter.stringList('Values', { min: 1, max: 10 }, { max: 512 }) ?? [];
    for (const value of values) {
      if (!FILTER_VALUE.test(value)) {
        throw invalidParameter(`Invalid filter value ${JSON.stringify(value)}.`);
      }
    }
    return (secret: SecretRecord) => values.some((value) => matches(secret, key, value));
  });
  return (secret) => predicates.every((predicate) => predicate(secret));
}

function matches(secret: SecretRecord, key: string, raw: string): boolean {
  const negate = raw.startsWith('!');
  const value = negate ? raw.slice(1) : raw;
  let hit: boolean;
  switch (key) {
    case 'name':
      hit = secret.name.startsWith(value);
      break;
    case 'description':
      hit = (secret.description ?? '').toLowerCase().startsWith(value.toLowerCase());
      break;
    case 'tag-key':
      hit = [...secret.tags.keys()].some((k) => k.startsWith(value));
      break;
    case 'tag-value':
      hit = [...secret.tags.values()].some((v) => v.startsWith(value));
      break;
    case 'all': {
      const attributes = [
        secret.name,
        secret.description ?? '',
        ...secret.tags.keys(),
        ...secret.tags.values(),
      ];
      const words = attributes
        .flatMap((a) => [a, ...a.split(/[^A-Za-z0-9]+/)])
        .map((w) => w.toLowerCase());
      hit = value
        .toLowerCase()
        .split(/\s+/)
        .filter((w) => w.length > 0)
        .every((word) => words.some((w) => w.startsWith(word)));
      break;
    }
    default:
      // primary-region and owning-service: no local secret is a replica or service-owned.
      hit = false;
  }
  return negate ? !hit : hit;
}

const SORT_BY = ['created-date', 'last-accessed-date', 'last-changed-date', 'name'];

export const listSecrets: Operation = (input, { store }) => {
  const maxResults = input.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const offset = decodeNextToken(input.string('NextToken', { min: 1, max: 4096 }));
  const includeDeleted = input.boolean('IncludePlannedDeletion') ?? false;
  const filter = readFilters(input);
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
  const filter = readFilters(input);
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
