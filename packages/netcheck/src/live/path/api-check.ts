import { roundMs } from '../../util/deadline.js';
import type { CallOutcome } from '../secrets-manager.js';
import { type CheckContext, checkStatusOf, isWanted, skipCheck } from './context.js';
import { ABORTED_HINT } from './hints.js';
import type { ServiceChain } from './probes.js';
import { CHECK_NAMES, type CheckStatus, type PathCheck } from './types.js';

interface Verdict {
  status: CheckStatus;
  hint?: string;
}

type Tls = NonNullable<ServiceChain['tls']>;

function tlsVerdict(host: string, tls: Tls): Verdict {
  if (tls.status === 'ok') return { status: 'pass' };
  const status = checkStatusOf(tls.status) === 'skip' ? 'skip' : 'fail';
  const hint =
    tls.status === 'tls-failure'
      ? `TLS to ${host} failed (${tls.evidence.authorizationError ?? tls.error?.code ?? 'handshake error'}): a proxy or TLS inspection in the path, or a host name the certificate does not cover`
      : `the TLS handshake with ${host} ended with ${tls.status}: the connection was accepted but the handshake did not complete (a middlebox, or an overloaded endpoint)`;
  return { status, hint };
}

function tlsEvidence(tls: Tls): Record<string, unknown> {
  const { dns: _dns, attempts: _attempts, ...evidence } = tls.evidence;
  return { ...evidence, status: tls.status };
}

function tlsDetail(tls: Tls): string {
  return tls.status === 'ok' ? `TLS ${tls.evidence.protocol ?? ''} ok`.trim() : `TLS ${tls.status}`;
}

/** What a call that did not succeed says about the path (most errors mean it works). */
function callVerdict(ctx: CheckContext, call: CallOutcome): Verdict {
  const { operation, errorName } = call.evidence;
  const { who } = ctx.hints;
  switch (call.status) {
    case 'access-denied':
      return {
        status: 'warn',
        hint: `the network path works, but ${errorName ?? 'access was denied'}: check the IAM policy of ${who}'s role, the endpoint policy, the secret's resource policy (aws:SourceVpce/aws:SourceVpc) and access to the KMS key`,
      };
    case 'throttled':
      return {
        status: 'warn',
        hint: 'the network path works; Secrets Manager throttled the call (retry with backoff)',
      };
    case 'server-error':
      return {
        status: 'warn',
        hint: 'the network path works; Secrets Manager answered with a server error (retry)',
      };
    case 'api-error':
      return {
        status: 'fail',
        hint:
          errorName === 'ResourceNotFoundException'
            ? `the network path works, but secret ${ctx.input.secretId} does not exist in ${ctx.input.region} (check the id and region)`
            : `the network path works; ${operation} was rejected (${errorName})`,
      };
    case 'aborted':
      return { status: 'skip', hint: ABORTED_HINT };
    case 'error':
      if (call.error?.name === 'CredentialsProviderError') {
        return { status: 'skip', hint: 'no AWS credentials here: the API call was not made' };
      }
      return {
        status: 'fail',
        hint: `${operation} failed: ${call.error?.name ?? 'error'}: ${call.error?.message ?? ''}`,
      };
    default:
      return { status: 'fail', hint: networkCallHint(ctx, call) };
  }
}

function networkCallHint(ctx: CheckContext, call: CallOutcome): string {
  const tcp = ctx.probes.secretsManager?.tcp;
  const code = call.error?.code ? ` (${call.error.code})` : '';
  const seeR4 = tcp && tcp.status !== 'ok' ? ': see R4' : '';
  return `${call.evidence.operation} ended with ${call.status}${code}${seeR4}`;
}

/** A failure outranks a warning or skip, which outrank a pass; the first of a rank stays. */
function outranks(next: CheckStatus, current: CheckStatus): boolean {
  return next === 'fail' || (next !== 'pass' && current === 'pass');
}

function pendingVersion(describe: CallOutcome | undefined): string | undefined {
  const stages = describe?.evidence.versionStages ?? {};
  for (const [version, labels] of Object.entries(stages)) {
    if (labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT')) return version;
  }
  return undefined;
}

function callDetail(call: CallOutcome): string {
  const name = call.evidence.errorName ? ` (${call.evidence.errorName})` : '';
  return `${call.evidence.operation} ${call.status}${name}`;
}

/** R6: the TLS handshake with Secrets Manager, then the API calls made through it. */
export function apiCheck(ctx: CheckContext): PathCheck {
  if (!isWanted(ctx.input, 'R6')) return skipCheck('R6', ctx.notWantedReason);
  const { endpoint, client } = ctx.input;
  const sm = ctx.probes.secretsManager;
  const { api } = ctx.probes;
  // Only an https endpoint has a handshake to check.
  const tls = sm?.tls;
  const tlsFailed = tls !== undefined && tls.status !== 'ok';
  const calls = [api.describe, api.read, api.list].filter((c): c is CallOutcome => c !== undefined);
  let verdict: Verdict = tls ? tlsVerdict(endpoint.host, tls) : { status: 'pass' };
  const details = tls ? [tlsDetail(tls)] : [];
  for (const call of calls) {
    details.push(callDetail(call));
    // A failed handshake explains a failed call: keep the TLS hint.
    if (call.status === 'ok' || tlsFailed) continue;
    const next = callVerdict(ctx, call);
    if (outranks(next.status, verdict.status)) verdict = next;
  }
  if (calls.length === 0 && !client) details.push('no client: API call not made');
  const pending = pendingVersion(api.describe);
  if (pending && verdict.status === 'pass') details.push(`AWSPENDING on ${pending}`);
  const nothingChecked = calls.length === 0 && !tls && endpoint.protocol === 'http:';
  return {
    id: 'R6',
    name: CHECK_NAMES.R6,
    status: nothingChecked ? 'skip' : verdict.status,
    detail: details.join('; ') || 'nothing to check',
    evidence: {
      tls: endpoint.protocol === 'http:' ? 'not used (http endpoint)' : tls && tlsEvidence(tls),
      api: calls.length > 0 ? calls.map((c) => c.evidence) : undefined,
      pendingVersionId: pending,
    },
    durationMs: roundMs(Math.max(sm?.durationMs ?? 0, api.durationMs)),
    hint: verdict.hint,
  };
}
