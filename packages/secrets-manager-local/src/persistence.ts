import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { definedOnly } from '@rotakit/core';
import { PersistenceError } from './errors.js';
import { SecretValue } from './secret-value.js';
import type {
  ReplicaStatus,
  RotationRules,
  SecretRecord,
  SecretStore,
  VersionRecord,
} from './store.js';

const FORMAT = 'rotakit-secrets-manager-local';
/** 2 added regions (from the ARN in 1), replicas, resource policies and Type. 1 still loads. */
const FILE_VERSION = 2;
/** Temp files of versions before 0.2 had a random name, so a crash left one per write. */
const LEGACY_TEMP = /^\.[0-9a-f]{12}\.secrets-manager-local\.tmp$/;

interface VersionJson {
  versionId: string;
  secretString?: string;
  secretBinary?: string;
  createdDate: number;
  lastAccessedDate?: number;
}

interface SecretJson {
  arn: string;
  name: string;
  createdDate: number;
  lastChangedDate: number;
  description?: string;
  kmsKeyId?: string;
  tags: Array<[string, string]>;
  lastAccessedDate?: number;
  lastRotatedDate?: number;
  deletedDate?: number;
  deletionDate?: number;
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  nextRotationDate?: number;
  versions: VersionJson[];
  labels: Array<[string, string]>;
  region?: string;
  /** A replica: its versions, labels and tags are its primary's (empty here). */
  primaryRegion?: string;
  replicas?: Array<[string, ReplicaStatus]>;
  resourcePolicy?: string;
  type?: string;
  owningService?: string;
}

interface FileJson {
  format: typeof FORMAT;
  version: 1 | 2;
  secrets: SecretJson[];
}

/** One temp file per data file, so a crash mid-write leaves at most one, removed at start. */
function tempFileOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.secrets-manager-local.tmp`);
}

/** Removes what a crash (kill -9 mid-write) left: temp files hold every secret value. */
async function removeStaleTempFiles(file: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dirname(file));
  } catch {
    return;
  }
  const stale = entries
    .filter((entry) => LEGACY_TEMP.test(entry))
    .map((entry) => join(dirname(file), entry));
  for (const path of [tempFileOf(file), ...stale]) await rm(path, { force: true });
}

/** Reads the data file; undefined when it does not exist yet. */
export async function loadDataFile(file: string): Promise<SecretRecord[] | undefined> {
  await removeStaleTempFiles(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw PersistenceError.of(file, 'cannot be read', { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No cause: V8's SyntaxError quotes the text around the bad token, i.e. secret values.
    throw PersistenceError.of(file, 'is not valid JSON');
  }
  const data = parsed as Partial<FileJson> | null;
  if (
    data === null ||
    typeof data !== 'object' ||
    data.format !== FORMAT ||
    (data.version !== 1 && data.version !== FILE_VERSION) ||
    !Array.isArray(data.secrets)
  ) {
    throw PersistenceError.of(file, `is not a ${FORMAT} version 1 or 2 file`);
  }
  try {
    return linkReplicas(data.secrets.map(fromJson));
  } catch (cause) {
    throw PersistenceError.of(file, 'holds a malformed secret record', { cause });
  }
}

function fromJson(json: SecretJson): SecretRecord {
  if (
    typeof json.arn !== 'string' ||
    typeof json.name !== 'string' ||
    !Array.isArray(json.versions)
  ) {
    throw new TypeError('secret record without arn, name or versions');
  }
  const versions = new Map<string, VersionRecord>();
  for (const v of json.versions) {
    if (
      typeof v?.versionId !== 'string' ||
      typeof v.createdDate !== 'number' ||
      (v.secretString !== undefined && typeof v.secretString !== 'string') ||
      (v.secretBinary !== undefined && typeof v.secretBinary !== 'string')
    ) {
      // Names no value: Node's own errors would quote the offending one.
      throw new TypeError(`secret ${json.name}: malformed version record`);
    }
    const value =
      v.secretString !== undefined
        ? SecretValue.fromString(v.secretString)
        : v.secretBinary !== undefined
          ? SecretValue.fromBytes(Buffer.from(v.secretBinary, 'base64'))
          : undefined;
    const version: VersionRecord = { versionId: v.versionId, value, createdDate: v.createdDate };
    if (v.lastAccessedDate !== undefined) version.lastAccessedDate = v.lastAccessedDate;
    versions.set(v.versionId, version);
  }
  const { versions: _v, labels, tags, replicas, region, ...rest } = json;
  const record: SecretRecord = {
    ...rest,
    // Version 1 files kept one region, the one in every ARN.
    region: region ?? json.arn.split(':')[3] ?? '',
    tags: new Map(tags),
    versions,
    labels: new Map(labels),
  };
  if (replicas !== undefined) record.replicas = new Map(replicas);
  return record;
}

/** A replica's versions, labels and tags are its primary's own maps, as when it was made. */
function linkReplicas(records: SecretRecord[]): SecretRecord[] {
  const key = (region: string, name: string) => `${region}\u0000${name}`;
  const primaries = new Map(records.map((r) => [key(r.region, r.name), r]));
  return records.map((record) => {
    if (record.primaryRegion === undefined) return record;
    const primary = primaries.get(key(record.primaryRegion, record.name));
    if (primary === undefined) throw new TypeError(`replica ${record.arn} without its primary`);
    return { ...record, tags: primary.tags, versions: primary.versions, labels: primary.labels };
  });
}

function toJson(secret: SecretRecord): SecretJson {
  const { versions: ownVersions, labels: ownLabels, tags: ownTags, replicas, ...rest } = secret;
  // A replica's maps are its primary's, written once with the primary.
  const replica = secret.primaryRegion !== undefined;
  const versions = replica ? new Map<string, VersionRecord>() : ownVersions;
  const labels = replica ? new Map<string, string>() : ownLabels;
  const tags = replica ? new Map<string, string>() : ownTags;
  return {
    ...rest,
    ...definedOnly({ replicas: replicas && [...replicas] }),
    tags: [...tags],
    labels: [...labels],
    versions: [...versions.values()].map((v) => {
      const out: VersionJson = { versionId: v.versionId, createdDate: v.createdDate };
      if (v.value?.text !== undefined) out.secretString = v.value.text;
      if (v.value?.bytes !== undefined) out.secretBinary = v.value.bytes.toString('base64');
      if (v.lastAccessedDate !== undefined) out.lastAccessedDate = v.lastAccessedDate;
      return out;
    }),
  };
}

/**
 * Writes the store to its data file atomically (temp file, fsync, rename). Concurrent
 * flushes share writes: each resolves once a write that began after its call finished.
 */
export class Persister {
  #written = -1;
  #writing: Promise<void> | undefined;

  constructor(
    readonly file: string,
    readonly store: SecretStore,
  ) {}

  async flush(): Promise<void> {
    while (this.#written !== this.store.generation) {
      if (this.#writing !== undefined) {
        await this.#writing.catch(() => undefined);
        continue;
      }
      const generation = this.store.generation;
      this.#writing = this.#write();
      try {
        await this.#writing;
        this.#written = generation;
      } finally {
        this.#writing = undefined;
      }
    }
  }

  async #write(): Promise<void> {
    const data: FileJson = {
      format: FORMAT,
      version: FILE_VERSION,
      secrets: this.store.list().map(toJson),
    };
    const temp = tempFileOf(this.file);
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(data));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (cause) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw PersistenceError.of(this.file, 'cannot be written', { cause });
    }
  }
}
