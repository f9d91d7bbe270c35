import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import {
  InvalidOptionError,
  RotationNotRetryableError,
  SecretsManagerLocalError,
  ServerClosedError,
  UnknownSecretError,
} from './errors.js';
import { FaultRegistry, type Faults } from './faults.js';
import { handleLocalRequest } from './local-api.js';
import type { CreateRdsManagedSecretOptions, RdsManagedSecret } from './managed/options.js';
import { RdsManagedSecrets } from './managed/rds-managed.js';
import type { OperationContext } from './operations/index.js';
import {
  type ResolvedOptions,
  resolveOptions,
  type StartSecretsManagerOptions,
} from './options.js';
import { loadDataFile, Persister } from './persistence.js';
import {
  type RotationFunction,
  type RotationFunctionOptions,
  type RotationOutcome,
  RotationRunner,
  type RunnerHooks,
  type WaitForRotationOptions,
} from './rotation.js';
import { reschedule } from './schedule.js';
import { type AwsHandlerDeps, handleAwsRequest } from './server.js';
import { type SecretRecord, SecretStore } from './store.js';

export type { StartSecretsManagerOptions };

/** Per-operation request counts; call it to read them, `.reset()` to zero them. */
export interface Counts {
  (): Readonly<Record<string, number>>;
  reset(): void;
}

/** A running local Secrets Manager. */
export interface SecretsManagerLocal extends AsyncDisposable {
  /** `http://HOST:PORT`, for the SDK's `endpoint` or `aws --endpoint-url`. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** A real SDK client for this endpoint (dummy static credentials); destroyed on `close()`. */
  client(overrides?: SecretsManagerClientConfig): SecretsManagerClient;
  /** Maps a RotationLambdaARN to an in-process handler or a loopback HTTP invoke URL. */
  registerRotationFunction(
    arn: string,
    fn: RotationFunction,
    options?: RotationFunctionOptions,
  ): void;
  unregisterRotationFunction(arn: string): boolean;
  /**
   * Creates a secret owned by RDS (`rds!cluster-…` / `rds!db-…`, OwningService `rds`) whose
   * rotation (RotateSecret, or its schedule through `tick()`) is RDS's managed rotation,
   * simulated against the real database named in `database`: a new password, `ALTER USER`,
   * then AWSCURRENT moved `labelMoveDelayMs` later. Needs mysql2 installed.
   */
  createRdsManagedSecret(options: CreateRdsManagedSecretOptions): Promise<RdsManagedSecret>;
  /**
   * Resolves with the outcome of the secret's latest rotation once it has finished (or of
   * the next one to start when none ran yet); never rejects because the rotation failed.
   */
  waitForRotation(secretId: string, options?: WaitForRotationOptions): Promise<RotationOutcome>;
  /** Every rotation attempt recorded for the secret, oldest first. */
  rotations(secretId: string): RotationOutcome[];
  /**
   * Runs the four steps again with the stuck AWSPENDING version's token, as the service's
   * automatic retry does; resolves with that attempt's outcome.
   */
  retryRotation(secretId: string): Promise<RotationOutcome>;
  /** Starts every scheduled rotation due at `at` (default: the clock); returns them. */
  tick(at?: number | Date): RotationOutcome[];
  readonly faults: Faults;
  readonly counts: Counts;
  resetCounts(): void;
  /** Deletes every secret, rotation record, fault and count (registered functions stay). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts an AWS-compatible Secrets Manager on localhost.
 *
 * @example
 * ```ts
 * await using sm = await startSecretsManager();
 * const client = sm.client();
 * await client.send(new CreateSecretCommand({ Name: 'db', SecretString: '{"password":"x"}' }));
 * ```
 */
export async function startSecretsManager(
  options: StartSecretsManagerOptions = {},
): Promise<SecretsManagerLocal> {
  return LocalSecretsManager.start(resolveOptions(options));
}

/** Longer than the SDK's idle socket reuse, so a kept-alive socket is never closed under it. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Requests still in flight at `close()` get this long before their sockets are cut. */
const CLOSE_GRACE_MS = 1_000;

/** The local service: the store, the rotation runner and the HTTP server in front of them. */
class LocalSecretsManager implements SecretsManagerLocal {
  readonly faults = new FaultRegistry();
  readonly counts: Counts;
  readonly #config: ResolvedOptions;
  readonly #store: SecretStore;
  readonly #persister: Persister | undefined;
  readonly #runner: RotationRunner;
  readonly #managed: RdsManagedSecrets;
  readonly #operations: OperationContext;
  readonly #server: http.Server;
  readonly #awsHandlerDeps: AwsHandlerDeps;
  readonly #requestCounts = new Map<string, number>();
  readonly #clients = new Set<SecretsManagerClient>();
  // Ends waits of requests in flight (latency faults) when the server closes.
  readonly #closeController = new AbortController();
  #port = 0;
  #endpoint = '';
  #closed = false;
  #closing: Promise<void> | undefined;
  #tickTimer: NodeJS.Timeout | undefined;

  static async start(config: ResolvedOptions): Promise<LocalSecretsManager> {
    const store = new SecretStore({
      region: config.region,
      accountId: config.accountId,
      now: config.now,
    });
    const persister = await openDataFile(config.dataFile, store);
    const local = new LocalSecretsManager(config, store, persister);
    await local.#listen();
    local.#startTicking();
    return local;
  }

  private constructor(
    config: ResolvedOptions,
    store: SecretStore,
    persister: Persister | undefined,
  ) {
    this.#config = config;
    this.#store = store;
    this.#persister = persister;
    this.#runner = new RotationRunner(config.rotationTimeoutMs, this.#runnerHooks());
    for (const [arn, fn] of Object.entries(config.rotationFunctions))
      this.#runner.register(arn, fn);
    this.#managed = new RdsManagedSecrets(store, this.#runner);
    this.#operations = {
      store,
      runner: this.#runner,
      startRotation: (secret, token, rotateImmediately, trigger) =>
        this.#startRotation(secret, token, rotateImmediately, trigger),
    };
    this.#awsHandlerDeps = this.#awsHandlerDependencies();
    this.counts = Object.assign(() => Object.freeze(Object.fromEntries(this.#requestCounts)), {
      reset: () => this.#requestCounts.clear(),
    });
    this.#server = http.createServer({ noDelay: true }, (req, res) => this.#route(req, res));
    this.#server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.#server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  }

  get endpoint(): string {
    return this.#endpoint;
  }
  get host(): string {
    return this.#config.host;
  }
  get port(): number {
    return this.#port;
  }
  get region(): string {
    return this.#config.region;
  }
  get accountId(): string {
    return this.#config.accountId;
  }

  client(overrides?: SecretsManagerClientConfig): SecretsManagerClient {
    this.#assertOpen('client');
    const client = new SecretsManagerClient({
      region: this.#config.region,
      endpoint: this.#endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      ...overrides,
    });
    this.#clients.add(client);
    return client;
  }

  registerRotationFunction(
    arn: string,
    fn: RotationFunction,
    options?: RotationFunctionOptions,
  ): void {
    this.#runner.register(arn, fn, options);
  }

  unregisterRotationFunction(arn: string): boolean {
    return this.#runner.unregister(arn);
  }

  async createRdsManagedSecret(options: CreateRdsManagedSecretOptions): Promise<RdsManagedSecret> {
    this.#assertOpen('createRdsManagedSecret');
    const created = this.#managed.create(options);
    await this.#persister?.flush();
    return created;
  }

  async waitForRotation(
    secretId: string,
    options?: WaitForRotationOptions,
  ): Promise<RotationOutcome> {
    return this.#runner.wait(this.#findSecret(secretId).arn, secretId, options);
  }

  rotations(secretId: string): RotationOutcome[] {
    return this.#runner.history(this.#findSecret(secretId).arn);
  }

  async retryRotation(secretId: string): Promise<RotationOutcome> {
    this.#assertOpen('retryRotation');
    const secret = this.#findSecret(secretId);
    const token = this.#retryableToken(secretId, secret);
    this.#startRotation(secret, token, true, 'retry');
    return this.#runner.wait(secret.arn, secretId, { token });
  }

  tick(at?: number | Date): RotationOutcome[] {
    this.#assertOpen('tick');
    const now = at === undefined ? this.#store.now() : at instanceof Date ? at.getTime() : at;
    // NaN compares false with every due date, which would start every scheduled rotation.
    if (!Number.isFinite(now)) {
      throw InvalidOptionError.of('at', 'expected a valid Date or epoch milliseconds');
    }
    const started = this.#dueSecrets(now).map((secret) => this.#startScheduled(secret, now));
    if (started.length > 0) this.#scheduleWrite();
    return started;
  }

  resetCounts(): void {
    this.#requestCounts.clear();
  }

  async reset(): Promise<void> {
    this.#assertOpen('reset');
    this.#runner.reset();
    this.#managed.clear();
    this.#store.clear();
    this.faults.clear();
    this.#requestCounts.clear();
    await this.#persister?.flush();
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      // At once, not after the first await: calls made during the shutdown see it closed.
      this.#closed = true;
      this.#closing = this.#shutDown();
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw ServerClosedError.of(operation);
  }

  #findSecret(secretId: string): SecretRecord {
    const secret = this.#store.find(secretId);
    if (secret === undefined) throw UnknownSecretError.of(secretId);
    return secret;
  }

  /** The token of the stuck AWSPENDING version, when a retry of it can run now. */
  #retryableToken(secretId: string, secret: SecretRecord): string {
    const token = this.#store.pendingVersionId(secret);
    if (token === undefined) {
      throw RotationNotRetryableError.of(
        secretId,
        'no-pending-version',
        'no AWSPENDING version is waiting (no unfinished rotation)',
      );
    }
    if (this.#runner.isRunning(secret.arn)) {
      throw RotationNotRetryableError.of(
        secretId,
        'rotation-running',
        'a rotation of this secret is still running',
      );
    }
    if (secret.rotationLambdaArn === undefined && !this.#managed.isRegistered(secret.arn)) {
      throw RotationNotRetryableError.of(
        secretId,
        'no-rotation-function',
        'the secret has no RotationLambdaARN',
      );
    }
    return token;
  }

  /** Secrets with rotation on, not deleted, due by `now` and not rotating already. */
  #dueSecrets(now: number): SecretRecord[] {
    return this.#store
      .list()
      .filter(
        (secret) =>
          secret.rotationEnabled &&
          secret.deletedDate === undefined &&
          secret.nextRotationDate !== undefined &&
          secret.nextRotationDate <= now &&
          !this.#runner.isRunning(secret.arn),
      );
  }

  #startScheduled(secret: SecretRecord, now: number): RotationOutcome {
    // A stuck rotation is reattempted with its own token, as the service does.
    let token = this.#store.pendingVersionId(secret);
    if (token === undefined) {
      token = randomUUID();
      this.#store.createPendingVersion(secret, token);
    }
    reschedule(secret, now, now);
    this.#store.changed(secret);
    return this.#startRotation(secret, token, true, 'schedule');
  }

  #startRotation(
    secret: SecretRecord,
    token: string,
    rotateImmediately: boolean,
    trigger: RotationOutcome['trigger'],
  ): RotationOutcome {
    return this.#runner.start({
      secretArn: secret.arn,
      secretName: secret.name,
      token,
      rotationLambdaArn: secret.rotationLambdaArn ?? this.#managed.functionKeyOf(secret) ?? '',
      rotateImmediately,
      trigger,
    });
  }

  /** What the service records when a rotation ends. */
  #runnerHooks(): RunnerHooks {
    return {
      onSucceeded: (secretArn) => {
        const secret = this.#store.find(secretArn);
        if (secret === undefined) return;
        const now = this.#store.now();
        secret.lastRotatedDate = now;
        reschedule(secret, now, now);
        this.#store.changed(secret);
        this.#scheduleWrite();
      },
      onTestOnlyDone: (secretArn, token) => {
        const secret = this.#store.find(secretArn);
        if (secret === undefined) return;
        this.#store.dropPendingVersion(secret, token);
        this.#scheduleWrite();
      },
      service: () => ({ region: this.#config.region, endpoint: this.#endpoint }),
    };
  }

  /** Writes the data file eventually; a failed write is reported, not thrown. */
  #scheduleWrite(): void {
    this.#persister?.flush().catch(this.#config.onError);
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse): void {
    // /moto-api/reset: the reset other emulators' test harnesses call between tests.
    if (req.url?.startsWith('/_local/') || req.url?.startsWith('/moto-api/')) {
      void handleLocalRequest(this, req, res).catch(this.#config.onError);
      return;
    }
    void handleAwsRequest(this.#awsHandlerDeps, req, res);
  }

  #awsHandlerDependencies(): AwsHandlerDeps {
    return {
      context: this.#operations,
      faults: this.faults,
      count: (operation) =>
        this.#requestCounts.set(operation, (this.#requestCounts.get(operation) ?? 0) + 1),
      flush: () => this.#persister?.flush() ?? Promise.resolve(),
      schedule: () => this.#scheduleWrite(),
      reportError: this.#config.onError,
      closed: this.#closeController.signal,
    };
  }

  async #listen(): Promise<void> {
    const { host, port } = this.#config;
    await new Promise<void>((resolve, reject) => {
      const onError = (cause: Error) => {
        reject(
          new SecretsManagerLocalError(`Cannot listen on ${host}:${port}: ${cause.message}`, {
            cause,
          }),
        );
      };
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    this.#server.on('error', this.#config.onError);
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#endpoint = `http://${endpointHost(host)}:${this.#port}`;
  }

  #startTicking(): void {
    if (this.#config.tickIntervalMs === 0) return;
    this.#tickTimer = setInterval(() => {
      try {
        this.tick();
      } catch (error) {
        this.#config.onError(error);
      }
    }, this.#config.tickIntervalMs);
    // Nobody awaits the schedule check: it must not keep the process alive.
    this.#tickTimer.unref();
  }

  async #shutDown(): Promise<void> {
    this.#closeController.abort();
    if (this.#tickTimer !== undefined) clearInterval(this.#tickTimer);
    this.#managed.close();
    await this.#runner.close();
    for (const client of this.#clients) client.destroy();
    this.#clients.clear();
    await this.#stopServer();
    await this.#persister?.flush().catch(this.#config.onError);
  }

  #stopServer(): Promise<void> {
    return new Promise<void>((resolve) => {
      const cut = setTimeout(() => this.#server.closeAllConnections(), CLOSE_GRACE_MS);
      // Ref'd: close() awaits this cut; the close callback clears it.
      this.#server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      this.#server.closeIdleConnections();
    });
  }
}

/** Opens the data file: loads it when it exists and checks that it can be written. */
async function openDataFile(
  file: string | undefined,
  store: SecretStore,
): Promise<Persister | undefined> {
  if (file === undefined) return undefined;
  const loaded = await loadDataFile(file);
  if (loaded !== undefined) store.load(loaded);
  const persister = new Persister(file, store);
  // Fails at start, not at the first write, when the file's directory is not writable.
  await persister.flush();
  return persister;
}

function endpointHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
