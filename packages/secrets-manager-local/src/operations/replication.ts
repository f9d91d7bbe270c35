import { invalidParameter, invalidRequest, validation } from '../errors.js';
import type { Input } from '../input.js';
import type { SecretRecord, SecretStore, VersionRecord } from '../store.js';
import { type Operation, readSecretId, replicationStatusOf } from './context.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export interface ReplicaRegion {
  readonly region: string;
  readonly kmsKeyId?: string;
}

/**
 * The service's answer to a write sent to a replica: InvalidParameterException, as the service
 * answers DeleteSecret and PutResourcePolicy on a replica in error logs users have published
 * (the API reference gives no class or wording for it).
 */
export const replicaReadOnly = () =>
  invalidParameter(
    "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
  );

/** `AddReplicaRegions`: `[{ Region, KmsKeyId? }]`, none of them the secret's own region. */
export function readReplicaRegions(
  input: Input,
  ownRegion: string,
  required: boolean,
): ReplicaRegion[] | undefined {
  const entries = input.structures('AddReplicaRegions', { min: 1 });
  if (entries === undefined) {
    if (!required) return undefined;
    throw validation(
      "Value null at 'addReplicaRegions' failed to satisfy constraint: Member must not be null",
    );
  }
  return entries.map((entry) => {
    const region = entry.requiredString('Region', { min: 1, max: 128 });
    if (!REGION.test(region)) throw invalidParameter(`Invalid replica Region: ${region}.`);
    if (region === ownRegion) {
      throw invalidParameter(`A secret can't be replicated to its own Region (${region}).`);
    }
    const kmsKeyId = entry.string('KmsKeyId', { max: 2048 });
    return kmsKeyId === undefined ? { region } : { region, kmsKeyId };
  });
}

/**
 * Creates a read-only replica in each region. A region that already holds a secret of that
 * name fails ("Replication failed: Secret name X already exists in region Y.") unless
 * `force` overwrites it, as ForceOverwriteReplicaSecret does in the service.
 */
export function replicate(
  store: SecretStore,
  primary: SecretRecord,
  regions: readonly ReplicaRegion[],
  force: boolean,
): void {
  primary.replicas ??= new Map();
  for (const { region, kmsKeyId } of regions) {
    const kms = kmsKeyId === undefined ? {} : { kmsKeyId };
    if (primary.replicas.get(region)?.status === 'InSync') continue;
    const existing = store.findInRegion(region, primary.name);
    if (existing !== undefined && !force) {
      primary.replicas.set(region, {
        ...kms,
        status: 'Failed',
        statusMessage: `Replication failed: Secret name ${primary.name} already exists in region ${region}.`,
      });
      continue;
    }
    if (existing !== undefined) forget(store, existing);
    store.put(replicaOf(store, primary, region, kmsKeyId));
    primary.replicas.set(region, {
      ...kms,
      status: 'InSync',
      statusMessage: 'Replication succeeded',
    });
  }
  store.changed(primary);
}

/** A replica shares its primary's versions, labels and tags, so it follows them as they change. */
function replicaOf(
  store: SecretStore,
  primary: SecretRecord,
  region: string,
  kmsKeyId: string | undefined,
): SecretRecord {
  const now = store.now();
  const suffix = primary.arn.slice(store.arnPrefix(primary.region).length);
  const replica: SecretRecord = {
    arn: `${store.arnPrefix(region)}${suffix}`,
    name: primary.name,
    region,
    createdDate: now,
    lastChangedDate: now,
    tags: primary.tags,
    versions: primary.versions,
    labels: primary.labels,
    primaryRegion: primary.region,
  };
  if (kmsKeyId !== undefined) replica.kmsKeyId = kmsKeyId;
  return replica;
}

/** Removes a secret overwritten by a replica; a replica it was is dropped from its primary. */
function forget(store: SecretStore, secret: SecretRecord): void {
  if (secret.primaryRegion !== undefined) {
    store.primaryOf(secret).replicas?.delete(secret.region);
  }
  store.remove(secret);
}

export const replicateSecretToRegions: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const regions = readReplicaRegions(input, store.region, true) ?? [];
  const force = input.boolean('ForceOverwriteReplicaSecret') ?? false;
  const primary = store.resolveLive(secretId);
  replicate(store, primary, regions, force);
  return { ARN: primary.arn, ReplicationStatus: replicationStatusOf(store, primary) };
};

export const removeRegionsFromReplication: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const regions = input.stringList('RemoveReplicaRegions', { min: 1 }, { min: 1, max: 128 });
  if (regions === undefined) {
    throw validation(
      "Value null at 'removeReplicaRegions' failed to satisfy constraint: Member must not be null",
    );
  }
  const primary = store.resolveLive(secretId);
  for (const region of regions) {
    if (!primary.replicas?.has(region)) {
      throw invalidParameter(`The secret ${primary.name} isn't replicated to Region ${region}.`);
    }
  }
  for (const region of regions) {
    const replica = store.findInRegion(region, primary.name);
    if (replica?.primaryRegion === primary.region) store.remove(replica);
    primary.replicas?.delete(region);
  }
  if (primary.replicas?.size === 0) delete primary.replicas;
  store.changed(primary);
  return { ARN: primary.arn, ReplicationStatus: replicationStatusOf(store, primary) };
};

/** Promotes a replica to a standalone secret with its own copy of the versions and labels. */
export const stopReplicationToReplica: Operation = (input, { store }) => {
  const replica = store.resolve(readSecretId(input));
  if (replica.primaryRegion === undefined) {
    throw invalidRequest(
      `StopReplicationToReplica must be called on a replica secret; ${replica.name} in ${replica.region} is not one.`,
    );
  }
  const primary = store.primaryOf(replica);
  const standalone = standaloneCopy(store, replica, primary);
  primary.replicas?.delete(replica.region);
  if (primary.replicas?.size === 0) delete primary.replicas;
  store.changed(primary);
  store.put(standalone);
  return { ARN: standalone.arn };
};

function standaloneCopy(
  store: SecretStore,
  replica: SecretRecord,
  primary: SecretRecord,
): SecretRecord {
  const versions = new Map<string, VersionRecord>();
  for (const [id, version] of primary.versions) versions.set(id, { ...version });
  const copy: SecretRecord = {
    arn: replica.arn,
    name: replica.name,
    region: replica.region,
    createdDate: replica.createdDate,
    lastChangedDate: store.now(),
    tags: new Map(primary.tags),
    versions,
    labels: new Map(primary.labels),
  };
  if (primary.description !== undefined) copy.description = primary.description;
  if (replica.kmsKeyId !== undefined) copy.kmsKeyId = replica.kmsKeyId;
  if (replica.lastAccessedDate !== undefined) copy.lastAccessedDate = replica.lastAccessedDate;
  if (primary.resourcePolicy !== undefined) copy.resourcePolicy = primary.resourcePolicy;
  if (primary.type !== undefined) copy.type = primary.type;
  return copy;
}
