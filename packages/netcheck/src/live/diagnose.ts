import type { EnvLike } from '../endpoint.js';
import { InvalidOptionError } from '../errors.js';
import { classifyNetworkError, type NetworkErrorInfo } from './classify.js';
import { type CheckId, type PathReport, runPathChecks } from './path.js';
import { type CheckPathOptions, preparePath } from './presets.js';
import type { ProbeRateLimiter } from './rate-limiter.js';
import { parseSecret, type SecretInput } from './secret.js';
import type { SecretsManagerLike } from './secrets-manager.js';
import type { ProbeTlsOptions } from './tls.js';

export interface DiagnoseOptions {
  /** Time left for the whole diagnosis, such as `context.getRemainingTimeInMillis() - 1000`. */
  remainingMs: number;
  /** Kept free of the budget (logging, returning). @default 250 */
  reserveMs?: number;
  signal?: AbortSignal;
  /** The secret being rotated (its host and port are probed; the password is never used). */
  secret?: SecretInput | string;
  secretId?: string;
  /** For one cheap API call (DescribeSecret); without it only DNS, TCP and TLS are probed. */
  client?: SecretsManagerLike;
  /** The URL the failing client used; else worked out from `client` or the environment. */
  secretsManagerEndpoint?: string;
  region?: string;
  /** @default process.env */
  env?: EnvLike;
  /** Run the probes even when the error is not network-class. @default false */
  force?: boolean;
  rateLimiter?: ProbeRateLimiter | false;
  ca?: ProbeTlsOptions['ca'];
}

export interface Diagnosis {
  /** The error was network-class (timeout, refused, DNS, unreachable, reset, TLS, MySQL 1129). */
  networkError: boolean;
  /** What the error itself says (code, errno, host, port); no secret values. */
  error: NetworkErrorInfo;
  /** Which path the probes looked at. */
  focus: 'secretsmanager' | 'database' | 'both' | 'none';
  /** The probes' report; absent when no probe ran. */
  report?: PathReport;
  /** One line for the log. */
  summary: string;
}

type ProbedFocus = Exclude<Diagnosis['focus'], 'none'>;

const SM_CHECKS: CheckId[] = ['R2', 'R3', 'R4', 'R5', 'R6'];
const DB_CHECKS: CheckId[] = ['R2', 'R7'];

function focusOf(
  error: unknown,
  info: NetworkErrorInfo,
  dbHost?: string,
  dbPort?: number,
): ProbedFocus {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const host = info.hostname ?? info.address;
  if (
    (dbHost && host === dbHost) ||
    (dbPort !== undefined && info.port === dbPort && dbPort !== 443)
  ) {
    return 'database';
  }
  // mysql2 marks connection-level errors `fatal`; its codes start with ER_ or PROTOCOL_.
  if (e.fatal === true || /^(ER_|PROTOCOL_)/.test(info.code ?? '') || info.status === 'blocked') {
    return 'database';
  }
  if (
    (host && /secretsmanager/.test(host)) ||
    info.port === 443 ||
    '$metadata' in e ||
    info.name === 'TimeoutError'
  ) {
    return 'secretsmanager';
  }
  return 'both';
}

/**
 * Called by a rotation step that failed (or is about to run out of time): classifies the
 * error and, when it is network-class, probes the relevant path within the remaining time,
 * returning a report and one line for the log, such as "secretsmanager.us-east-1.amazonaws.com
 * resolved to public 52.94.1.1; no route out: create an interface endpoint with private DNS
 * or a NAT route". Never throws for network outcomes.
 * @example
 * catch (error) {
 *   const d = await diagnoseFailure(error, { secret, client, remainingMs: context.getRemainingTimeInMillis() - 2000 });
 *   logger.error(d.summary, { report: d.report });
 *   throw error;
 * }
 */
export async function diagnoseFailure(
  error: unknown,
  options: DiagnoseOptions,
): Promise<Diagnosis> {
  const { remainingMs, reserveMs } = checkDiagnoseOptions(options);
  const info = classifyNetworkError(error);
  const what = info.code ?? info.name ?? 'error';
  if (!info.network && !options.force) {
    return {
      networkError: false,
      error: info,
      focus: 'none',
      // Not the message: the summary is meant for the log, and a non-network error's message
      // may quote input (JSON.parse quotes the text it failed on, a SecretString say).
      summary: `${what} is not a network failure; no probes run`,
    };
  }
  const focus = focusFor(error, info, options.secret);
  const budgetMs = Math.floor(remainingMs - reserveMs);
  if (budgetMs < 50) {
    return {
      networkError: info.network,
      error: info,
      focus,
      summary: `${what}${info.network ? `: ${info.message}` : ''}; no time left to diagnose (${Math.max(0, Math.round(remainingMs))} ms remaining)`,
    };
  }
  const prepared = await preparePath('diagnosis', pathOptionsOf(options), {
    only: new Set<CheckId>(CHECKS_BY_FOCUS[focus]),
    onlyReason: `not relevant to ${what}`,
    budgetMs,
    diagnosis: true,
    endpointUrl: options.secretsManagerEndpoint || undefined,
  });
  // A diagnosis never reads the secret again: it may be the very call that failed.
  const input = { ...prepared.input, read: false, describe: Boolean(options.secretId) };
  try {
    const report = await runPathChecks(input);
    return {
      networkError: info.network,
      error: info,
      focus,
      report,
      summary: summaryOf(what, focus, report),
    };
  } finally {
    prepared.owned?.destroy();
  }
}

function checkDiagnoseOptions(options: DiagnoseOptions): {
  remainingMs: number;
  reserveMs: number;
} {
  if (typeof options !== 'object' || options === null) {
    throw InvalidOptionError.of('options', 'expected { remainingMs, ... }');
  }
  const { remainingMs } = options;
  if (typeof remainingMs !== 'number' || !Number.isFinite(remainingMs)) {
    throw InvalidOptionError.of(
      'remainingMs',
      `expected a number of milliseconds, got ${String(remainingMs)}`,
    );
  }
  const reserveMs = options.reserveMs ?? 250;
  if (typeof reserveMs !== 'number' || reserveMs < 0) {
    throw InvalidOptionError.of('reserveMs', 'expected a number >= 0');
  }
  return { remainingMs, reserveMs };
}

/** Which path to probe; without a usable secret there is no database to look at. */
function focusFor(
  error: unknown,
  info: NetworkErrorInfo,
  secret: DiagnoseOptions['secret'],
): ProbedFocus {
  const parsed = secret === undefined ? undefined : parseSecret(secret);
  const target = parsed?.ok ? parsed.secret.target : undefined;
  const focus = focusOf(error, info, target?.host, target?.port);
  return !target && focus !== 'secretsmanager' ? 'secretsmanager' : focus;
}

const CHECKS_BY_FOCUS: Record<ProbedFocus, readonly CheckId[]> = {
  secretsmanager: SM_CHECKS,
  database: DB_CHECKS,
  both: [...SM_CHECKS, 'R7'],
};

/** The path options the probes need; an empty value means "not given", as it does there. */
function pathOptionsOf(options: DiagnoseOptions): CheckPathOptions {
  return {
    secretId: options.secretId || undefined,
    secret: options.secret,
    client: options.client || undefined,
    signal: options.signal || undefined,
    region: options.region || undefined,
    env: options.env || undefined,
    rateLimiter: options.rateLimiter,
    ca: options.ca || undefined,
  } as CheckPathOptions;
}

/** The failing check's hint (R5's "no route out" first), else what the working path means. */
function summaryOf(what: string, focus: Diagnosis['focus'], report: PathReport): string {
  const failing = report.checks.filter((c) => c.status === 'fail');
  const lead = report.checks.find((c) => c.id === 'R5' && c.status === 'fail') ?? failing[0];
  if (lead) return `${what}: ${lead.hint ?? lead.detail}`;
  if (report.aborted) return `${what}: diagnosis aborted before the probes finished`;
  const path = focus === 'database' ? 'database' : focus === 'both' ? 'network' : 'Secrets Manager';
  return `${what}, but the probes found the ${path} path working now (${report.summary}): a transient failure, or the step ran out of time (raise the function timeout)`;
}
