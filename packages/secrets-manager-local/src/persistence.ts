import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PersistenceError } from './errors.js';
import { SecretValue } from './secret-value.js';
import type { RotationRules, SecretRecord, SecretStore, VersionRecord } from './store.js';

const FORMAT = 'rotakit-secrets-manager-local';

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
}

interface FileJson {
  format: typeof FORMAT;
  version: 1;
  secrets: SecretJson[];
}

/** Reads the data file; undefined when it does not exist yet. */
export async function loadDataFile(file: string): Promise<SecretRecord[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PersistenceError(file, 'cannot be read', { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No cause: V8's SyntaxError quotes the text around the bad token, i.e. secret values.
    throw new PersistenceError(file, 'is not valid JSON');
  }
  const data = parsed as Partial<FileJson> | null;
  if (
    data === null ||
    typeof data !== 'object' ||
    data.format !== FORMAT ||
    data.version !== 1 ||
    !Array.isArray(data.secrets)
  ) {
    throw new PersistenceError(file, `is not a ${FORMAT} version 1 file`);
  }
  try {
    return data.secrets.map(fromJson);
  } catch (cause) {
    throw new PersistenceError(file, 'holds a malformed secret record', { cause });
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
  const { versions: _v, labels, tags, ...rest } = json;
  return { ...rest, tags: new Map(tags), versions, labels: new Map(labels) };
}

function toJson(secret: SecretRecord): SecretJson {
  const { versions, labels, tags, ...rest } = secret;
  return {
    ...rest,
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
    const data: FileJson = { format: FORMAT, version: 1, secrets: this.store.list().map(toJson) };
    const temp = join(
      dirname(this.file),
      `.${randomBytes(6).toString('hex')}.secrets-manager-local.tmp`,
    );
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
      throw new PersistenceError(this.file, 'cannot be written', { cause });
    }
  }
}
