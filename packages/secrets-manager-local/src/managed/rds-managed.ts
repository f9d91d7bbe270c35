import { randomUUID } from 'node:crypto';
import type { RotationFunctionOptions, RotationRunner } from '../rotation.js';
import { reschedule } from '../schedule.js';
import { SecretValue } from '../secret-value.js';
import type { SecretRecord, SecretStore } from '../store.js';
import {
  type CreateRdsManagedSecretOptions,
  type RdsManagedSecret,
  type ResolvedRdsManagedOptions,
  resolveRdsManagedOptions,
} from './options.js';
import { managedRotationFunction } from './rotation-function.js';

/** `DescribeSecret`'s OwningService for the secrets RDS creates. */
export const RDS_OWNING_SERVICE = 'rds';
/** Added to the label-move delay for the managed rotation's steps' time limit. */
const STEP_TIMEOUT_MARGIN_MS = 30_000;

/**
 * The RDS-managed secrets of one local service: each one's database and timing, and the
 * in-process function (registered under a `managed-rotation:` key, never shown as a
 * RotationLambdaARN) that rotates it as RDS does.
 */
export class RdsManagedSecrets {
  readonly #store: SecretStore;
  readonly #runner: RotationRunner;
  // Ends the label-move waits when the service closes.
  readonly #closing = new AbortController();
  readonly #functionKeys = new Map<string, string>();

  constructor(store: SecretStore, runner: RotationRunner) {
    this.#store = store;
    this.#runner = runner;
  }

  create(options: CreateRdsManagedSecretOptions): RdsManagedSecret {
    const config = resolveRdsManagedOptions(options);
    const { secret } = this.#store.create({
      name: managedSecretName(config),
      token: randomUUID(),
      value: SecretValue.fromString(
        JSON.stringify({ username: config.username, password: config.password }),
      ),
      tags: managedSecretTags(config, this.#store),
    });
    secret.owningService = RDS_OWNING_SERVICE;
    secret.rotationEnabled = true;
    secret.rotationRules = config.rotationRules;
    const now = this.#store.now();
    reschedule(secret, now, now);
    this.#store.changed(secret);
    this.#register(secret, config);
    return { arn: secret.arn, name: secret.name };
  }

  /**
   * The runner key of an owned secret's managed rotation. A secret loaded from a data file has
   * a key but no function behind it (the database registration is not persisted), so its
   * rotation fails with "Function not found: managed-rotation:rds:…".
   */
  functionKeyOf(secret: SecretRecord): string | undefined {
    if (secret.owningService === undefined) return undefined;
    return functionKey(secret);
  }

  /** Whether `createRdsManagedSecret` registered the secret's database here. */
  isRegistered(secretArn: string): boolean {
    return this.#functionKeys.has(secretArn);
  }

  /** After `reset()`: the secrets are gone, so are their rotations. */
  clear(): void {
    for (const key of this.#functionKeys.values()) this.#runner.unregister(key);
    this.#functionKeys.clear();
  }

  close(): void {
    this.#closing.abort();
    this.clear();
  }

  #register(secret: SecretRecord, config: ResolvedRdsManagedOptions): void {
    const key = functionKey(secret);
    const options: RotationFunctionOptions = {
      timeoutMs: config.labelMoveDelayMs + STEP_TIMEOUT_MARGIN_MS,
    };
    this.#runner.register(
      key,
      managedRotationFunction(this.#store, config, this.#closing.signal),
      options,
    );
    this.#functionKeys.set(secret.arn, key);
  }
}

function functionKey(secret: SecretRecord): string {
  return `managed-rotation:${secret.owningService ?? RDS_OWNING_SERVICE}:${secret.arn}`;
}

/** `rds!cluster-<uuid>` or `rds!db-<uuid>`, as RDS names the secrets it creates. */
function managedSecretName(config: ResolvedRdsManagedOptions): string {
  const kind = config.resource.type === 'cluster' ? 'cluster' : 'db';
  return `rds!${kind}-${randomUUID()}`;
}

/** The tags RDS puts on the secrets it creates: the owning resource's ARN and the service. */
function managedSecretTags(
  config: ResolvedRdsManagedOptions,
  store: SecretStore,
): Array<[string, string]> {
  const { accountId } = store.options;
  const { type, identifier } = config.resource;
  const arn = `arn:aws:rds:${store.region}:${accountId}:${type === 'cluster' ? 'cluster' : 'db'}:${identifier}`;
  return [
    [type === 'cluster' ? 'aws:rds:primaryDBClusterArn' : 'aws:rds:primaryDBInstanceArn', arn],
    ['aws:secretsmanager:owningService', RDS_OWNING_SERVICE],
  ];
}
