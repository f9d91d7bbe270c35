import { InvalidOptionError } from './errors.js';
import type { RotationFunction } from './rotation.js';

/** Options of `startSecretsManager`; an option given as `undefined` takes its default. */
export interface StartSecretsManagerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number | undefined;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string | undefined;
  /**
   * The default region: for `client()`, requests without a SigV4 credential scope and names
   * given to the JS API. A signed request is served in its credential scope's region.
   * @default 'us-east-1'
   */
  readonly region?: string | undefined;
  /** 12-digit account ID used in ARNs. @default '123456789012' */
  readonly accountId?: string | undefined;
  /** RotationLambdaARN -> in-process handler, loopback invoke URL or deployment artifact. */
  readonly rotationFunctions?: Readonly<Record<string, RotationFunction>> | undefined;
  /** Rotation function timeout per step, like Lambda's. @default 30000 */
  readonly rotationTimeoutMs?: number | undefined;
  /** JSON file to keep secrets in across restarts (written atomically). @default in memory only */
  readonly dataFile?: string | undefined;
  /** Clock for dates, deletion windows and schedules (epoch ms or Date). @default Date.now */
  readonly now?: (() => number | Date) | undefined;
  /** Runs `tick()` on this interval (ms) to start scheduled rotations; 0 turns it off. @default 0 */
  readonly tickIntervalMs?: number | undefined;
  /**
   * Receives unexpected internal errors (never secret values). If it throws, the error is
   * printed instead. @default prints name and message to stderr
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** The options with every default applied and every value checked; frozen. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly region: string;
  readonly accountId: string;
  readonly rotationFunctions: Readonly<Record<string, RotationFunction>>;
  readonly rotationTimeoutMs: number;
  readonly dataFile: string | undefined;
  /** The clock in epoch milliseconds, whichever form the option's clock returns. */
  readonly now: () => number;
  readonly tickIntervalMs: number;
  /** The `onError` hook, guarded so that it never throws. */
  readonly onError: (error: unknown) => void;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Applies the defaults and checks every option (always in the same order), throwing
 * `InvalidOptionError` naming the first bad one. Function values are checked for being
 * functions only; rotation functions are checked when the runner registers them.
 */
export function resolveOptions(options: StartSecretsManagerOptions): ResolvedOptions {
  return Object.freeze({
    port: checkPort(options.port ?? 0),
    host: checkHost(options.host ?? '127.0.0.1'),
    region: checkRegion(options.region ?? 'us-east-1'),
    accountId: checkAccountId(options.accountId ?? '123456789012'),
    rotationTimeoutMs: checkRotationTimeout(options.rotationTimeoutMs ?? 30_000),
    dataFile: checkDataFile(options.dataFile),
    now: epochClock(options.now ?? Date.now),
    tickIntervalMs: checkTickInterval(options.tickIntervalMs ?? 0),
    onError: guardedHook(options.onError ?? printError),
    rotationFunctions: Object.freeze({ ...options.rotationFunctions }),
  });
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw InvalidOptionError.of('port', 'expected an integer from 0 to 65535');
  }
  return port;
}

function checkHost(host: string): string {
  if (typeof host !== 'string' || host.length === 0) {
    throw InvalidOptionError.of('host', 'expected a non-empty host name or IP address');
  }
  return host;
}

function checkRegion(region: string): string {
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw InvalidOptionError.of(
      'region',
      `expected a region name such as us-east-1, got ${String(region)}`,
    );
  }
  return region;
}

function checkAccountId(accountId: string): string {
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    throw InvalidOptionError.of('accountId', 'expected 12 digits');
  }
  return accountId;
}

function checkRotationTimeout(ms: number): number {
  if (!(Number.isFinite(ms) && ms > 0)) {
    throw InvalidOptionError.of('rotationTimeoutMs', 'expected a positive number of milliseconds');
  }
  return ms;
}

function checkDataFile(file: string | undefined): string | undefined {
  if (file !== undefined && (typeof file !== 'string' || file.length === 0)) {
    throw InvalidOptionError.of('dataFile', 'expected a file path');
  }
  return file;
}

function epochClock(clock: () => number | Date): () => number {
  if (typeof clock !== 'function') throw InvalidOptionError.of('now', 'expected a function');
  return () => {
    const value = clock();
    return value instanceof Date ? value.getTime() : value;
  };
}

function checkTickInterval(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0)) {
    throw InvalidOptionError.of('tickIntervalMs', 'expected a number of milliseconds >= 0');
  }
  return ms;
}

/** A hook that throws must not turn a failed request into a hung one or an unhandled rejection. */
function guardedHook(report: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      report(error);
    } catch (hookError) {
      const kind = hookError instanceof Error ? hookError.name : typeof hookError;
      console.error(`[secrets-manager-local] the onError option threw ${kind} while reporting:`);
      printError(error);
    }
  };
}

function printError(error: unknown): void {
  const { name, message } =
    error instanceof Error ? error : { name: 'Error', message: String(error) };
  console.error(`[secrets-manager-local] ${name}: ${message}`);
}
