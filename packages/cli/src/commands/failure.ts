import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { definedOnly } from '@rotakit/core';
import { diagnoseFailure, type PathReport } from '@rotakit/netcheck';
import {
  DatabaseLoginError,
  type RotationError,
  SecretsManagerError,
} from '@rotakit/rotation-core';

/** A failed rotation, said plainly: what failed, where, and what the network probes found. */
export interface FailureReport {
  name: string;
  message: string;
  step?: string;
  details: Record<string, string | number>;
  networkError: boolean;
  /** One line from netcheck, e.g. "secretsmanager... resolved to public 52.x; no route out: ..." */
  diagnosis?: string;
  report?: PathReport;
}

export interface DescribeFailureOptions {
  client: SecretsManagerClient;
  secretId: string;
  secretsManagerEndpoint?: string | undefined;
  signal?: AbortSignal | undefined;
  /** @default 8000 */
  budgetMs?: number;
}

/** Turns a typed rotation error into a report, probing the network when the error is network-class. */
export async function describeFailure(
  error: RotationError,
  options: DescribeFailureOptions,
): Promise<FailureReport> {
  const details: Record<string, string | number> = {};
  if (error instanceof DatabaseLoginError) {
    details.credentials = error.credentials;
    details.reason = error.reason;
    details.database = `${error.host}:${error.port}`;
    // The server's code: a MySQL errno, or a PostgreSQL SQLSTATE.
    if (error.errno !== undefined) details.errno = error.errno;
    const sqlState = serverSqlState(error);
    if (error.errno === undefined && sqlState !== undefined) details.sqlState = sqlState;
    if (error.code !== undefined) details.code = error.code;
  } else if (error instanceof SecretsManagerError) {
    details.operation = error.operation;
    details.kind = error.kind;
    if (error.code !== undefined) details.code = error.code;
  }
  if (error.versionId) details.version = error.versionId;

  // The probes need the database's host and port; the secret has them (its password is
  // never used by netcheck). Without it they can only look at the Secrets Manager path.
  const secret = await options.client
    .send(new GetSecretValueCommand({ SecretId: options.secretId }))
    .then((value) => value.SecretString)
    .catch(() => undefined);
  const diagnosis = await diagnoseFailure(error, {
    remainingMs: options.budgetMs ?? 8000,
    ...(secret ? { secret } : {}),
    client: options.client,
    secretId: options.secretId,
    ...(options.secretsManagerEndpoint
      ? { secretsManagerEndpoint: options.secretsManagerEndpoint }
      : {}),
    ...definedOnly({ signal: options.signal }),
  }).catch(() => undefined);

  return {
    name: error.name,
    message: error.message,
    ...definedOnly({ step: error.step }),
    details,
    networkError: diagnosis?.networkError ?? false,
    ...(diagnosis?.networkError ? { diagnosis: diagnosis.summary } : {}),
    ...definedOnly({ report: diagnosis?.report }),
  };
}

/**
 * The SQLSTATE of a login failure; "none of the credentials logs in" keeps the last attempt's
 * error as its cause, which has it.
 */
function serverSqlState(error: DatabaseLoginError): string | undefined {
  if (error.sqlState !== undefined) return error.sqlState;
  return error.cause instanceof DatabaseLoginError ? error.cause.sqlState : undefined;
}
