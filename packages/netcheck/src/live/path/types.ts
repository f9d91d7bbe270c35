import type { ResolvedEndpoint } from '../../endpoint.js';
import type { ProbeRateLimiter } from '../rate-limiter.js';
import type { ParsedSecret } from '../secret.js';
import type { SecretsManagerLike } from '../secrets-manager.js';
import type { ProbeTlsOptions } from '../tls.js';

export type CheckId = 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8';
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One condition of the path, checked live. Plain data. */
export interface PathCheck {
  id: CheckId;
  name: string;
  status: CheckStatus;
  /** One line for humans: what was seen. */
  detail: string;
  evidence: Record<string, unknown>;
  durationMs: number;
  /** The likely cause and fix, when the check did not pass. */
  hint?: string;
}

/** The result of `checkRotationPath`, `checkAppPath` or `diagnoseFailure`; JSON-serialisable. */
export interface PathReport {
  kind: 'rotation' | 'app' | 'diagnosis';
  /** No check failed and the run was not aborted. */
  ok: boolean;
  aborted: boolean;
  startedAt: string;
  durationMs: number;
  budgetMs: number;
  target: {
    secretId?: string;
    region: string;
    secretsManager: { url: string; host: string; port: number; source: string };
    database?: { host: string; port: number; engine?: string };
  };
  checks: PathCheck[];
  /** One line naming the most likely problem, or that everything passed. */
  summary: string;
}

export const CHECK_NAMES: Record<CheckId, string> = {
  R2: 'Secrets Manager endpoint',
  R3: 'DNS for Secrets Manager',
  R4: 'TCP to Secrets Manager',
  R5: 'Route out of the VPC (NAT/internet)',
  R6: 'TLS and Secrets Manager API',
  R7: 'Database (DNS, TCP, greeting)',
  R8: 'RDS API',
};

/** Everything `runPathChecks` needs, resolved and validated by `preparePath`. */
export interface PathCheckInput {
  kind: PathReport['kind'];
  budgetMs: number;
  signal?: AbortSignal;
  region: string;
  endpoint: ResolvedEndpoint;
  client?: SecretsManagerLike;
  secretId?: string;
  secret?: ParsedSecret;
  /** Why a given secret could not be used (never quoting it). */
  secretProblem?: string;
  describe: boolean;
  read: boolean;
  login: boolean;
  expectPrivateDns: boolean;
  expectCidrs?: readonly string[];
  rdsEndpoint?: ResolvedEndpoint;
  limiter: ProbeRateLimiter | false;
  ca?: ProbeTlsOptions['ca'];
  /** Checks to run; the others are reported as `skip`. */
  only?: ReadonlySet<CheckId>;
  /** Why the checks outside `only` were skipped. */
  onlyReason?: string;
}
