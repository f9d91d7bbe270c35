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
import type { OperationContext } from './operations/index.js';
import { loadDataFile, Persister } from './persistence.js';
import {
  type RotationFunction,
  type RotationFunctionOptions,
  type RotationOutcome,
  RotationRunner,
  type WaitForRotationOptions,
} from './rotation.js';
import { reschedule } from './schedule.js';
import { handleAwsRequest } from './server.js';
import { type SecretRecord, SecretStore } from './store.js';

export interface StartSecretsManagerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /**
   * The default region: for `client()`, requests without a SigV4 credential scope and names
   * given to the JS API. A signed request is served in its credential scope's region.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /** 12-digit account ID used in ARNs. @default '123456789012' */
  readonly accountId?: string;
  /** RotationLambdaARN -> in-process handler or loopback invoke URL. */
  readonly rotationFunctions?: Readonly<Record<string, RotationFunction>>;
  /** Rotation function timeout per step, like Lambda's. @default 30000 */
  readonly rotationTimeoutMs?: number;
  /** JSON file to keep secrets in across restarts (written atomically). @default in memory only */
  readonly dataFile?: string;
  /** Clock for dates, deletion windows and schedules (epoch ms or Date). @default Date.now */
  readonly now?: () => number | Date;
  /** Runs `tick()` on this interval (ms) to start scheduled rotations; 0 turns it off. @default 0 */
  readonly tickIntervalMs?: number;
  /**
   * Receives unexpected internal errors (never secret values). If it throws, the error is
   * printed instead. @default prints name and message to stderr
   */
  readonly onError?: (error: unknown) => void;
}

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

interface Resolved {
  port: number;
  host: string;
  region: string;
  accountId: string;
  rotationTimeoutMs: number;
  dataFile: string | undefined;
  now: () => number;
  tickIntervalMs: number;
  onError: (error: unknown) => void;
}

function resolveOptions(options: StartSecretsManagerOptions): Readonly<Resolved> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw InvalidOptionError.of('port', 'expected an integer from 0 to 65535');
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) {
    throw InvalidOptionError.of('host', 'expected a non-empty host name or IP address');
  }
  const region = options.region ?? 'us-east-1';
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw InvalidOptionError.of(
      'region',
      `expected a region name such as us-east-1, got ${String(region)}`,
    );
  }
  const accountId = options.accountId ?? '123456789012';
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw InvalidOptionError.of('accountId', 'expected 12 digits');
  }
  const rotationTimeoutMs = options.rotationTimeoutMs ?? 30_000;
  if (!(Number.isFinite(rotationTimeoutMs) && rotationTimeoutMs > 0)) {
    throw InvalidOptionError.of('rotationTimeoutMs', 'expected a positive number of milliseconds');
  }
  const dataFile = options.dataFile;
  if (dataFile !== undefined && (typeof dataFile !== 'string' || dataFile.length === 0)) {
    throw InvalidOptionError.of('dataFile', 'expected a file path');
  }
  const clock = options.now ?? Date.now;
  if (typeof clock !== 'function') throw InvalidOptionError.of('now', 'expected a function');
  const now = () => {
    const value = clock();
    return value instanceof Date ? value.getTime() : value;
  };
  const tickIntervalMs = options.tickIntervalMs ?? 0;
  if (!(Number.isFinite(tickIntervalMs) && tickIntervalMs >= 0)) {
    throw InvalidOptionError.of('tickIntervalMs', 'expected a number of milliseconds >= 0');
  }
  const report = options.onError ?? printError;
  // A hook that throws must not turn a failed request into a hung one or an unhandled rejection.
  const onError = (error: unknown) => {
    try {
      report(error);
    } catch (hookError) {
      console.error(
        `[secrets-manager-local] the onError option threw ${hookError instanceof Error ? hookError.name : typeof hookError} while reporting:`,
      );
      printError(error);
    }
  };
  return Object.freeze({
    port,
    host,
    region,
    accountId,
    rotationTimeoutMs,
    dataFile,
    now,
    tickIntervalMs,
    onError,
  });
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
  const config = resolveOptions(options);
  const store = new SecretStore({
    region: config.region,
    accountId: config.accountId,
    now: config.now,
  });
  const persister =
    config.dataFile === undefined ? undefined : new Persister(config.dataFile, store);
  if (config.dataFile !== undefined) {
    const loaded = await loadDataFile(config.dataFile);
    if (loaded !== undefined) store.load(loaded);
    // Fails at start, not at the first write, when the file's directory is not writable.
    await persister?.flush();
  }
  const faults = new FaultRegistry();
  const countsMap = new Map<string, number>();
  const clients = new Set<SecretsManagerClient>();
  let closed = false;
  let closing: Promise<void> | undefined;
  // Ends waits of requests in flight (latency faults) when the server closes.
  const closeController = new AbortController();

  const schedule = () => {
    persister?.flush().catch(config.onError);
  };

  const runner = new RotationRunner(config.rotationTimeoutMs, {
    onSucceeded(secretArn) {
      const secret = store.find(secretArn);
      if (secret === undefined) return;
      const now = store.now();
      secret.lastRotatedDate = now;
      reschedule(secret, now, now);
      store.changed(secret);
      schedule();
    },
    onTestOnlyDone(secretArn, token) {
      const secret = store.find(secretArn);
      if (secret === undefined) return;
      store.dropPendingVersion(secret, token);
      schedule();
    },
    service: () => ({ region: config.region, endpoint: api?.endpoint ?? '' }),
  });
  for (const [arn, fn] of Object.entries(options.rotationFunctions ?? {})) runner.register(arn, fn);

  const startRotation = (
    secret: SecretRecord,
    token: string,
    rotateImmediately: boolean,
    trigger: RotationOutcome['trigger'],
  ): RotationOutcome =>
    runner.start({
      secretArn: secret.arn,
      secretName: secret.name,
      token,
      rotationLambdaArn: secret.rotationLambdaArn ?? '',
      rotateImmediately,
      trigger,
    });
  const context: OperationContext = { store, runner, startRotation };

  const findSecret = (secretId: string): SecretRecord => {
    const secret = store.find(secretId);
    if (secret === undefined) throw UnknownSecretError.of(secretId);
    return secret;
  };

  const counts: Counts = Object.assign(() => Object.freeze(Object.fromEntries(countsMap)), {
    reset: () => countsMap.clear(),
  });

  let api: SecretsManagerLocal | undefined;
  const server = http.createServer({ noDelay: true }, (req, res) => {
    // /moto-api/reset: the reset other emulators' test harnesses call between tests.
    if (req.url?.startsWith('/_local/') || req.url?.startsWith('/moto-api/')) {
      // Between listen() and the API object's creation there is nothing to route to yet.
      if (api === undefined) {
        res.writeHead(503).end();
        return;
      }
      void handleLocalRequest(api, req, res).catch(config.onError);
      return;
    }
    void handleAwsRequest(
      {
        context,
        faults,
        count: (operation) => countsMap.set(operation, (countsMap.get(operation) ?? 0) + 1),
        flush: () => persister?.flush() ?? Promise.resolve(),
        schedule,
        reportError: config.onError,
        closed: closeController.signal,
      },
      req,
      res,
    );
  });
  // Longer than the SDK's idle socket reuse, so a kept-alive socket is never closed under it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (cause: Error) => {
      reject(
        new SecretsManagerLocalError(
          `Cannot listen on ${config.host}:${config.port}: ${cause.message}`,
          { cause },
        ),
      );
    };
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', config.onError);
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${endpointHost(config.host)}:${port}`;

  let tickTimer: NodeJS.Timeout | undefined;

  const tick = (at?: number | Date): RotationOutcome[] => {
    if (closed) throw ServerClosedError.of('tick');
    const now = at === undefined ? store.now() : at instanceof Date ? at.getTime() : at;
    // NaN compares false with every due date, which would start every scheduled rotation.
    if (!Number.isFinite(now)) {
      throw InvalidOptionError.of('at', 'expected a valid Date or epoch milliseconds');
    }
    const started: RotationOutcome[] = [];
    for (const secret of store.list()) {
      if (!secret.rotationEnabled || secret.deletedDate !== undefined) continue;
      if (secret.nextRotationDate === undefined || secret.nextRotationDate > now) continue;
      if (runner.isRunning(secret.arn)) continue;
      // A stuck rotation is reattempted with its own token, as the service does.
      let token = store.pendingVersionId(secret);
      if (token === undefined) {
        token = randomUUID();
        store.createPendingVersion(secret, token);
      }
      reschedule(secret, now, now);
      store.changed(secret);
      started.push(startRotation(secret, token, true, 'schedule'));
    }
    if (started.length > 0) schedule();
    return started;
  };

  const local: SecretsManagerLocal = {
    endpoint,
    host: config.host,
    port,
    region: config.region,
    accountId: config.accountId,
    client(overrides?: SecretsManagerClientConfig) {
      if (closed) throw ServerClosedError.of('client');
      const client = new SecretsManagerClient({
        region: config.region,
        endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        ...overrides,
      });
      clients.add(client);
      return client;
    },
    registerRotationFunction(arn, fn, fnOptions) {
      runner.register(arn, fn, fnOptions);
    },
    unregisterRotationFunction(arn) {
      return runner.unregister(arn);
    },
    async waitForRotation(secretId, waitOptions) {
      return runner.wait(findSecret(secretId).arn, secretId, waitOptions);
    },
    rotations(secretId) {
      return runner.history(findSecret(secretId).arn);
    },
    async retryRotation(secretId) {
      if (closed) throw ServerClosedError.of('retryRotation');
      const secret = findSecret(secretId);
      const token = store.pendingVersionId(secret);
      if (token === undefined) {
        throw RotationNotRetryableError.of(
          secretId,
          'no-pending-version',
          'no AWSPENDING version is waiting (no unfinished rotation)',
        );
      }
      if (runner.isRunning(secret.arn)) {
        throw RotationNotRetryableError.of(
          secretId,
          'rotation-running',
          'a rotation of this secret is still running',
        );
      }
      if (secret.rotationLambdaArn === undefined) {
        throw RotationNotRetryableError.of(
          secretId,
          'no-rotation-function',
          'the secret has no RotationLambdaARN',
        );
      }
      startRotation(secret, token, true, 'retry');
      return runner.wait(secret.arn, secretId, { token });
    },
    tick,
    faults,
    counts,
    resetCounts: () => countsMap.clear(),
    async reset() {
      if (closed) throw ServerClosedError.of('reset');
      runner.reset();
      store.clear();
      faults.clear();
      countsMap.clear();
      await persister?.flush();
    },
    close() {
      closing ??= (async () => {
        closed = true;
        closeController.abort();
        if (tickTimer !== undefined) clearInterval(tickTimer);
        await runner.close();
        for (const client of clients) client.destroy();
        clients.clear();
        await new Promise<void>((resolve) => {
          // Requests still in flight get a moment to finish before their sockets are cut.
          const cut = setTimeout(() => server.closeAllConnections(), 1_000);
          cut.unref();
          server.close(() => {
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        });
        await persister?.flush().catch(config.onError);
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return local.close();
    },
  };
  api = local;

  if (config.tickIntervalMs > 0) {
    tickTimer = setInterval(() => {
      try {
        tick();
      } catch (error) {
        config.onError(error);
      }
    }, config.tickIntervalMs);
    tickTimer.unref();
  }
  return local;
}

function printError(error: unknown): void {
  const { name, message } =
    error instanceof Error ? error : { name: 'Error', message: String(error) };
  console.error(`[secrets-manager-local] ${name}: ${message}`);
}

function endpointHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
