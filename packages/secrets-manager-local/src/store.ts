import { randomInt } from 'node:crypto';
import {
  invalidParameter,
  invalidRequest,
  markedForDeletion,
  resourceExists,
  resourceNotFound,
} from './errors.js';
import type { SecretValue } from './secret-value.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';
/** The service keeps about this many versions, dropping the oldest deprecated ones. */
export const MAX_VERSIONS = 100;
const SERVICE_LABELS = [AWSCURRENT, AWSPENDING, AWSPREVIOUS];
const DAY_MS = 86_400_000;
const ARN_SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface RotationRules {
  automaticallyAfterDays?: number;
  duration?: string;
  scheduleExpression?: string;
}

export interface VersionRecord {
  readonly versionId: string;
  /** Undefined for the version RotateSecret creates until PutSecretValue gives it a value. */
  value: SecretValue | undefined;
  readonly createdDate: number;
  lastAccessedDate?: number;
}

/** One replica region as the primary's ReplicationStatus reports it. */
export interface ReplicaStatus {
  kmsKeyId?: string;
  status: 'InSync' | 'Failed';
  statusMessage: string;
}

export interface SecretRecord {
  readonly arn: string;
  readonly name: string;
  /** The region whose store holds the record (the one in its ARN). */
  readonly region: string;
  readonly createdDate: number;
  description?: string;
  kmsKeyId?: string;
  readonly tags: Map<string, string>;
  lastChangedDate: number;
  lastAccessedDate?: number;
  lastRotatedDate?: number;
  deletedDate?: number;
  deletionDate?: number;
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  nextRotationDate?: number;
  /** Insertion order is creation order, which version pruning relies on. */
  readonly versions: Map<string, VersionRecord>;
  /** Staging label -> VersionId; a label sits on at most one version. */
  readonly labels: Map<string, string>;
  /** Set on a replica: the region of its primary, whose versions, labels and tags it shares. */
  primaryRegion?: string;
  /** Set on a primary with replicas: replica region -> status. */
  replicas?: Map<string, ReplicaStatus>;
  resourcePolicy?: string;
  /** CreateSecret/UpdateSecret `Type` (the partner of a managed external secret), kept as given. */
  type?: string;
  /** The AWS service that owns the secret (`rds` for an RDS-managed master user secret). */
  owningService?: string;
}

export interface StoreOptions {
  /** The default region: for names looked up without a region and for unsigned requests. */
  readonly region: string;
  readonly accountId: string;
  readonly now: () => number;
}

export interface CreateInput {
  name: string;
  token: string;
  value?: SecretValue;
  description?: string;
  kmsKeyId?: string;
  tags?: ReadonlyArray<readonly [string, string]>;
}

/** State every region's view shares: one service, one generation counter. */
interface SharedState {
  readonly byRegion: Map<string, Map<string, SecretRecord>>;
  /** Secrets in their recovery window, so the sweep doesn't walk every secret per request. */
  readonly scheduled: Set<SecretRecord>;
  generation: number;
}

/**
 * Secrets, versions and staging labels as the service keeps them: a state machine with no
 * HTTP in it. Methods throw `ServiceError`s carrying the service's error type and wording.
 *
 * The store built by `new SecretStore()` sees every region: it finds an ARN in its own region
 * and lists all. `inRegion(region)` gives the view a request in that region sees (its names,
 * its ARNs, its listing), sharing the same state.
 */
export class SecretStore {
  readonly #shared: SharedState;
  /** Bound to one region (a request's view) rather than the whole service. */
  readonly #bound: boolean;
  readonly region: string;
  readonly now: () => number;

  constructor(
    readonly options: StoreOptions,
    view?: { readonly shared: SharedState; readonly region: string },
  ) {
    this.#shared = view?.shared ?? { byRegion: new Map(), scheduled: new Set(), generation: 0 };
    this.#bound = view !== undefined;
    this.region = view?.region ?? options.region;
    this.now = options.now;
  }

  /** What a request signed for `region` sees. */
  inRegion(region: string): SecretStore {
    return new SecretStore(this.options, { shared: this.#shared, region });
  }

  /** Bumped on every mutation so persistence knows when to write. */
  get generation(): number {
    return this.#shared.generation;
  }

  arnPrefix(region = this.region): string {
    return `arn:aws:secretsmanager:${region}:${this.options.accountId}:secret:`;
  }

  clear(): void {
    this.#shared.byRegion.clear();
    this.#shared.scheduled.clear();
    this.touch();
  }

  touch(): void {
    this.#shared.generation++;
  }

  /** Every live or scheduled-for-deletion secret (of this view's region if bound), oldest first. */
  list(): SecretRecord[] {
    this.#sweep();
    if (this.#bound) return [...this.#names(this.region).values()];
    return [...this.#shared.byRegion.values()].flatMap((names) => [...names.values()]);
  }

  find(secretId: string): SecretRecord | undefined {
    this.#sweep();
    if (!secretId.startsWith('arn:')) return this.#names(this.region).get(secretId);
    const region = secretId.split(':')[3] ?? '';
    // A request sees its own region's secrets only; the service-wide store finds any ARN.
    if (this.#bound && region !== this.region) return undefined;
    const prefix = this.arnPrefix(region);
    if (!secretId.startsWith(prefix)) return undefined;
    const names = this.#names(region);
    const rest = secretId.slice(prefix.length);
    // A full ARN ends in "-" plus 6 random characters; a partial ARN stops at the name.
    const full = rest.length > 7 ? names.get(rest.slice(0, -7)) : undefined;
    if (full !== undefined && full.arn === secretId) return full;
    return names.get(rest);
  }

  /** The record a replica follows (itself for a primary or an unreplicated secret). */
  primaryOf(secret: SecretRecord): SecretRecord {
    if (secret.primaryRegion === undefined) return secret;
    return this.#names(secret.primaryRegion).get(secret.name) ?? secret;
  }

  /** The secret named `name` in `region`, whatever this view's region. */
  findInRegion(region: string, name: string): SecretRecord | undefined {
    this.#sweep();
    return this.#names(region).get(name);
  }

  resolve(secretId: string): SecretRecord {
    const secret = this.find(secretId);
    if (secret === undefined) throw resourceNotFound();
    return secret;
  }

  /** Like `resolve`, refusing secrets scheduled for deletion. */
  resolveLive(secretId: string): SecretRecord {
    const secret = this.resolve(secretId);
    if (secret.deletedDate !== undefined) throw markedForDeletion();
    return secret;
  }

  create(input: CreateInput): { secret: SecretRecord; version?: VersionRecord; created: boolean } {
    this.#sweep();
    const existing = this.#names(this.region).get(input.name);
    if (existing !== undefined) {
      if (existing.deletedDate !== undefined) {
        throw invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      }
      // A retried CreateSecret (same token, same value) succeeds without a change.
      const same = existing.versions.get(input.token);
      if (same !== undefined && input.value !== undefined && same.value !== undefined) {
        if (same.value.equals(input.value))
          return { secret: existing, version: same, created: false };
        throw tokenInUse(input.token, existing);
      }
      throw resourceExists(`The operation failed because the secret ${input.name} already exists.`);
    }
    const now = this.now();
    const secret: SecretRecord = {
      arn: `${this.arnPrefix()}${input.name}-${randomSuffix()}`,
      name: input.name,
      region: this.region,
      createdDate: now,
      lastChangedDate: now,
      tags: new Map(input.tags ?? []),
      versions: new Map(),
      labels: new Map(),
    };
    if (input.description !== undefined) secret.description = input.description;
    if (input.kmsKeyId !== undefined) secret.kmsKeyId = input.kmsKeyId;
    this.#names(this.region).set(input.name, secret);
    let version: VersionRecord | undefined;
    if (input.value !== undefined) {
      version = { versionId: input.token, value: input.value, createdDate: now };
      secret.versions.set(version.versionId, version);
      secret.labels.set(AWSCURRENT, version.versionId);
    }
    this.touch();
    return version === undefined ? { secret, created: true } : { secret, version, created: true };
  }

  /**
   * PutSecretValue / UpdateSecret: a new version carrying `stages`, or the idempotent
   * replay of an existing one. A value-less version (from RotateSecret) takes the value.
   */
  putValue(
    secret: SecretRecord,
    token: string,
    value: SecretValue,
    stages: readonly string[],
  ): VersionRecord {
    const existing = secret.versions.get(token);
    if (existing !== undefined) {
      if (existing.value !== undefined) {
        if (existing.value.equals(value)) return existing;
        throw tokenInUse(token, secret);
      }
      existing.value = value;
      for (const stage of withFirstCurrent(secret, stages)) this.#moveLabel(secret, stage, token);
      this.#changed(secret);
      return existing;
    }
    const labels = withFirstCurrent(secret, stages);
    const version: VersionRecord = { versionId: token, value, createdDate: this.now() };
    secret.versions.set(token, version);
    for (const stage of labels) this.#moveLabel(secret, stage, token);
    this.#prune(secret);
    this.#changed(secret);
    return version;
  }

  updateStage(
    secret: SecretRecord,
    stage: string,
    moveTo: string | undefined,
    removeFrom: string | undefined,
  ): void {
    const holder = secret.labels.get(stage);
    if (moveTo !== undefined && !secret.versions.has(moveTo)) {
      throw invalidParameter(`The version ${moveTo} doesn't exist for this secret.`);
    }
    if (removeFrom !== undefined) {
      if (!secret.versions.has(removeFrom)) {
        throw invalidParameter(`The version ${removeFrom} doesn't exist for this secret.`);
      }
      if (holder !== removeFrom) {
        throw invalidParameter(
          moveTo === undefined
            ? `The staging label ${stage} isn't attached to version ${removeFrom}, so it can't be removed from it.`
            : `When you move staging label ${stage}, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label ${stage}.`,
        );
      }
    }
    if (moveTo !== undefined) {
      if (holder !== undefined && holder !== moveTo && removeFrom === undefined) {
        throw invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      if (holder === moveTo) return;
      this.#moveLabel(secret, stage, moveTo);
    } else if (removeFrom !== undefined) {
      if (stage === AWSCURRENT) {
        throw invalidParameter(
          `You can't remove the staging label ${AWSCURRENT} from version ${removeFrom} without moving it to another version (MoveToVersionId).`,
        );
      }
      secret.labels.delete(stage);
    } else {
      throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
    }
    this.#prune(secret);
    this.#changed(secret);
  }

  /** The version's labels, the service's own first (AWSCURRENT, AWSPENDING, AWSPREVIOUS). */
  stagesOf(secret: SecretRecord, versionId: string): string[] {
    const stages: string[] = [];
    for (const stage of SERVICE_LABELS)
      if (secret.labels.get(stage) === versionId) stages.push(stage);
    for (const [stage, id] of secret.labels) {
      if (id === versionId && !SERVICE_LABELS.includes(stage)) stages.push(stage);
    }
    return stages;
  }

  /** GetSecretValue's lookup; records the access date (the service keeps the day only). */
  readValue(
    secret: SecretRecord,
    versionId: string | undefined,
    stage: string | undefined,
  ): VersionRecord & { value: SecretValue } {
    let version: VersionRecord | undefined;
    let what: string;
    if (versionId !== undefined) {
      what = `VersionId: ${versionId}`;
      version = secret.versions.get(versionId);
      if (version !== undefined && stage !== undefined && secret.labels.get(stage) !== versionId) {
        what = `VersionId: ${versionId} and staging label: ${stage}`;
        version = undefined;
      }
    } else {
      const label = stage ?? AWSCURRENT;
      what = `staging label: ${label}`;
      const id = secret.labels.get(label);
      version = id === undefined ? undefined : secret.versions.get(id);
    }
    const value = version?.value;
    if (version === undefined || value === undefined) {
      throw resourceNotFound(`Secrets Manager can't find the specified secret value for ${what}`);
    }
    const day = Math.floor(this.now() / DAY_MS) * DAY_MS;
    if (version.lastAccessedDate !== day || secret.lastAccessedDate !== day) {
      version.lastAccessedDate = day;
      secret.lastAccessedDate = day;
      this.touch();
    }
    return { ...version, value };
  }

  /** The version holding AWSPENDING when it is not the AWSCURRENT one: an unfinished rotation. */
  pendingVersionId(secret: SecretRecord): string | undefined {
    const pending = secret.labels.get(AWSPENDING);
    if (pending === undefined || pending === secret.labels.get(AWSCURRENT)) return undefined;
    return pending;
  }

  /** RotateSecret's first move: a value-less version labelled AWSPENDING. */
  createPendingVersion(secret: SecretRecord, token: string): VersionRecord {
    if (this.pendingVersionId(secret) !== undefined) {
      throw invalidRequest(
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    if (secret.versions.has(token)) throw tokenInUse(token, secret);
    const version: VersionRecord = { versionId: token, value: undefined, createdDate: this.now() };
    secret.versions.set(token, version);
    this.#moveLabel(secret, AWSPENDING, token);
    this.#prune(secret);
    this.#changed(secret);
    return version;
  }

  /** After a test-only rotation: the service takes the AWSPENDING version away again. */
  dropPendingVersion(secret: SecretRecord, token: string): void {
    if (secret.labels.get(AWSPENDING) === token) secret.labels.delete(AWSPENDING);
    const version = secret.versions.get(token);
    if (
      version !== undefined &&
      version.value === undefined &&
      this.stagesOf(secret, token).length === 0
    ) {
      secret.versions.delete(token);
    }
    this.touch();
  }

  scheduleDeletion(secret: SecretRecord, recoveryWindowDays: number | undefined): number {
    const now = this.now();
    secret.deletedDate = now;
    secret.deletionDate =
      recoveryWindowDays === undefined ? now : now + recoveryWindowDays * DAY_MS;
    if (recoveryWindowDays === undefined) {
      this.#names(secret.region).delete(secret.name);
      this.#shared.scheduled.delete(secret);
    } else {
      this.#shared.scheduled.add(secret);
    }
    this.touch();
    return secret.deletionDate;
  }

  restore(secret: SecretRecord): void {
    delete secret.deletedDate;
    delete secret.deletionDate;
    this.#shared.scheduled.delete(secret);
    this.#changed(secret);
  }

  setTags(secret: SecretRecord, tags: ReadonlyArray<readonly [string, string]>): void {
    for (const [key, value] of tags) secret.tags.set(key, value);
    this.#changed(secret);
  }

  removeTags(secret: SecretRecord, keys: readonly string[]): void {
    for (const key of keys) secret.tags.delete(key);
    this.#changed(secret);
  }

  updateMetadata(secret: SecretRecord, description?: string, kmsKeyId?: string): void {
    if (description !== undefined) secret.description = description;
    if (kmsKeyId !== undefined) secret.kmsKeyId = kmsKeyId;
    this.#changed(secret);
  }

  changed(secret: SecretRecord): void {
    this.#changed(secret);
  }

  /** Replaces the whole state (persistence load), every region's. */
  load(secrets: readonly SecretRecord[]): void {
    this.#shared.byRegion.clear();
    this.#shared.scheduled.clear();
    for (const secret of secrets) {
      this.#names(secret.region).set(secret.name, secret);
      if (secret.deletionDate !== undefined) this.#shared.scheduled.add(secret);
    }
    this.touch();
  }

  /** Puts a record (a replica, or a replica promoted to a standalone secret) in its region. */
  put(secret: SecretRecord): void {
    this.#names(secret.region).set(secret.name, secret);
    this.touch();
  }

  /** Removes a record at once (a replica dropped from replication, or one overwritten). */
  remove(secret: SecretRecord): void {
    const names = this.#names(secret.region);
    if (names.get(secret.name) === secret) names.delete(secret.name);
    this.#shared.scheduled.delete(secret);
    this.touch();
  }

  #names(region: string): Map<string, SecretRecord> {
    let names = this.#shared.byRegion.get(region);
    if (names === undefined) {
      names = new Map();
      this.#shared.byRegion.set(region, names);
    }
    return names;
  }

  #changed(secret: SecretRecord): void {
    secret.lastChangedDate = this.now();
    this.touch();
  }

  #moveLabel(secret: SecretRecord, stage: string, versionId: string): void {
    const from = secret.labels.get(stage);
    if (from === versionId) return;
    secret.labels.set(stage, versionId);
    if (stage === AWSCURRENT && from !== undefined) secret.labels.set(AWSPREVIOUS, from);
  }

  #prune(secret: SecretRecord): void {
    if (secret.versions.size <= MAX_VERSIONS) return;
    const labelled = new Set(secret.labels.values());
    for (const id of secret.versions.keys()) {
      if (secret.versions.size <= MAX_VERSIONS) break;
      if (!labelled.has(id)) secret.versions.delete(id);
    }
  }

  /** Secrets whose recovery window ended are gone for good, as in the service. */
  #sweep(): void {
    const scheduled = this.#shared.scheduled;
    if (scheduled.size === 0) return;
    const now = this.now();
    for (const secret of scheduled) {
      if (secret.deletionDate === undefined || secret.deletionDate <= now) {
        scheduled.delete(secret);
        if (secret.deletionDate !== undefined) this.#names(secret.region).delete(secret.name);
        this.touch();
      }
    }
  }
}

/**
 * PutSecretValue: "If this operation creates the first version for the secret, then Secrets
 * Manager automatically attaches the staging label AWSCURRENT to the new version." A secret
 * that has no AWSCURRENT never had a current version (the label cannot be removed).
 */
function withFirstCurrent(secret: SecretRecord, stages: readonly string[]): readonly string[] {
  if (secret.labels.has(AWSCURRENT) || stages.includes(AWSCURRENT)) return stages;
  return [AWSCURRENT, ...stages];
}

/** The service's wording for a ClientRequestToken reused with another value. */
export function tokenInUse(token: string, secret: SecretRecord) {
  return resourceExists(
    `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secret.arn}.`,
  );
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += ARN_SUFFIX_CHARS[randomInt(ARN_SUFFIX_CHARS.length)];
  return suffix;
}
