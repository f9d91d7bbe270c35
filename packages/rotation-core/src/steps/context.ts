import { inspect } from 'node:util';
import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import type { TimeBudget } from '../budget.js';
import type { DatabaseSession, DatabaseTarget } from '../database/driver.js';
import {
  CREDENTIAL_LABEL,
  type CredentialRole,
  DatabaseError,
  DatabaseLoginError,
  type RotationStep,
  type SecretSource,
  SecretsManagerError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import { retryWithinBudget } from '../retry.js';
import { type DatabaseSecret, parseSecret } from '../secret.js';
import type { BoundaryFn, SecretsManagerCalls } from '../secrets-manager.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** Everything a step needs for one invocation. @internal */
export interface StepContext {
  readonly options: ResolvedOptions;
  readonly step: RotationStep;
  readonly secretId: string;
  readonly token: string;
  readonly rotationToken: string | undefined;
  readonly metadata: DescribeSecretResponse;
  readonly sm: SecretsManagerCalls;
  readonly budget: TimeBudget;
  readonly logger: Logger;
  readonly boundary: BoundaryFn;
  /** What the step was talking to, for the failure diagnosis. */
  readonly diagnostics: Diagnostics;
}

/** @internal */
export interface Diagnostics {
  /** The last database the step tried to log in to. */
  database?: { host: string; port: number; engine: string | undefined };
}

const SOURCE_OF_STAGE: Record<string, SecretSource> = {
  AWSCURRENT: 'AWSCURRENT',
  AWSPENDING: 'AWSPENDING',
  AWSPREVIOUS: 'AWSPREVIOUS',
};

/** Reads and parses one version of the rotated secret. */
export async function readSecret(
  ctx: StepContext,
  selector: { stage: 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS'; versionId?: string },
): Promise<DatabaseSecret> {
  const value = await ctx.sm.getSecretValue(ctx.secretId, selector);
  return parseSecret(value.SecretString, {
    source: SOURCE_OF_STAGE[selector.stage] ?? 'AWSCURRENT',
    engines: ctx.options.database.engines,
    requireMasterArn: ctx.options.strategy === 'alternating-users' && selector.stage === AWSCURRENT,
  });
}

/** Like `readSecret`, but undefined when the version does not exist (AWSPREVIOUS before the first rotation). */
export async function readOptionalSecret(
  ctx: StepContext,
  selector: { stage: 'AWSPENDING' | 'AWSPREVIOUS'; versionId?: string },
): Promise<DatabaseSecret | undefined> {
  try {
    return await readSecret(ctx, selector);
  } catch (error) {
    if (error instanceof SecretsManagerError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

/** The login target for a secret; `overrides` replace host/port/ssl (previous uses current's ssl). */
export function targetOf(
  ctx: StepContext,
  secret: DatabaseSecret,
  overrides: Partial<Pick<DatabaseTarget, 'host' | 'port' | 'ssl'>> = {},
): DatabaseTarget {
  const target: DatabaseTarget = {
    host: overrides.host ?? secret.host,
    port: overrides.port ?? secret.port ?? ctx.options.database.defaultPort,
    username: secret.username,
    password: secret.password,
    database: secret.dbname,
    ssl: 'ssl' in overrides ? overrides.ssl : secret.ssl,
  };
  // A driver may log its target: print it without the password. The hooks are not
  // enumerable, so a driver that spreads or iterates the target sees only its fields.
  const printable = () => ({ ...target, password: '[redacted]' });
  Object.defineProperties(target, {
    toJSON: { value: printable, enumerable: false },
    [inspect.custom]: { value: printable, enumerable: false },
  });
  return target;
}

/** Logs in, with the connect timeout fitted into the budget and every statement reported. */
export function connect(
  ctx: StepContext,
  target: DatabaseTarget,
  credentials: CredentialRole,
): Promise<DatabaseSession> {
  const { options, budget } = ctx;
  ctx.diagnostics.database = {
    host: target.host,
    port: target.port,
    engine: options.database.engines[0],
  };
  const connectTimeoutMs = budget.timeoutFor(
    `logging in to the database with the ${CREDENTIAL_LABEL[credentials]} credentials`,
    options.timeouts.connectTimeoutMs,
  );
  return options.database.connect(target, {
    credentials,
    connectTimeoutMs,
    queryTimeoutMs: budget.fit(options.timeouts.queryTimeoutMs),
    signal: budget.signal,
    tls: options.tls,
    logger: ctx.logger,
    onStatement: (phase, statement) => ctx.boundary(phase, 'sql', statement),
  });
}

/** Logs in; an access-denied login gives undefined (the caller tries other credentials). */
export async function tryLogin(
  ctx: StepContext,
  target: DatabaseTarget,
  credentials: CredentialRole,
  failures: DatabaseLoginError[],
): Promise<DatabaseSession | undefined> {
  try {
    return await connect(ctx, target, credentials);
  } catch (error) {
    if (error instanceof DatabaseLoginError && error.reason === 'access-denied') {
      failures.push(error);
      return undefined;
    }
    throw error;
  }
}

/** Runs `fn` with a session and always closes it. */
export async function withSession<T>(
  session: DatabaseSession,
  fn: (session: DatabaseSession) => Promise<T>,
): Promise<T> {
  try {
    return await fn(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

const TRANSIENT_LOGIN = new Set(['connection-lost', 'refused', 'too-many-connections']);
const TRANSIENT_SQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

/** A database fault worth running the (idempotent) step body again for. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof DatabaseLoginError) return TRANSIENT_LOGIN.has(error.reason);
  if (error instanceof DatabaseError) {
    return (
      (error.code !== undefined && TRANSIENT_SQL_CODES.has(error.code)) ||
      error.errno === 1053 ||
      error.errno === 1205 ||
      error.errno === 1213
    );
  }
  return false;
}

/**
 * Runs a step body again on transient database faults (a dropped connection, a restarting
 * server), within the retry settings and the time budget. Step bodies are idempotent.
 */
export function withDatabaseRetries<T>(ctx: StepContext, body: () => Promise<T>): Promise<T> {
  return retryWithinBudget(body, {
    retry: ctx.options.retry,
    budget: ctx.budget,
    isRetryable: isTransientDatabaseError,
    onRetry: (error, attempt) =>
      ctx.logger.warn(`${ctx.step}: transient database fault; running the step again`, {
        attempt,
        error: error.message,
      }),
  });
}

/** Waits, abortably by the budget; the timer is ref'd because the step awaits it. */
export function sleep(ctx: StepContext, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const signal = ctx.budget.signal;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The version holding a label, from DescribeSecret's VersionIdsToStages. */
export function versionWithStage(
  metadata: DescribeSecretResponse,
  stage: string,
): string | undefined {
  for (const [versionId, stages] of Object.entries(metadata.VersionIdsToStages ?? {})) {
    if (stages?.includes(stage)) return versionId;
  }
  return undefined;
}
