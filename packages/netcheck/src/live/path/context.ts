import type { ClassifiedAddress } from '../../util/ip.js';
import type { DnsEvidence, ProbeStatus } from '../types.js';
import { type HintContext, hintContext } from './hints.js';
import type { PathProbes } from './probes.js';
import {
  CHECK_NAMES,
  type CheckId,
  type CheckStatus,
  type PathCheck,
  type PathCheckInput,
} from './types.js';

/** What every check evaluator reads: the input, what the probes saw, and how to word hints. */
export interface CheckContext {
  input: PathCheckInput;
  probes: PathProbes;
  hints: HintContext;
  /** Why a check outside `input.only` was skipped. */
  notWantedReason: string;
}

export function checkContext(input: PathCheckInput, probes: PathProbes): CheckContext {
  return {
    input,
    probes,
    hints: hintContext(input.kind),
    notWantedReason: input.onlyReason ?? 'not requested',
  };
}

export function isWanted(input: Pick<PathCheckInput, 'only'>, id: CheckId): boolean {
  return !input.only || input.only.has(id);
}

export function skipCheck(id: CheckId, detail: string, hint?: string): PathCheck {
  return { id, name: CHECK_NAMES[id], status: 'skip', detail, evidence: {}, durationMs: 0, hint };
}

/** Only `ok` passes; a probe that was not sent (aborted, rate-limited) is a skip. */
export function checkStatusOf(status: ProbeStatus): CheckStatus {
  if (status === 'ok') return 'pass';
  if (status === 'aborted' || status === 'rate-limited') return 'skip';
  return 'fail';
}

export function addressList(addresses: readonly ClassifiedAddress[]): string {
  return addresses.map((a) => `${a.address} (${a.scope})`).join(', ') || 'no address';
}

export function firstPublic(dns: DnsEvidence): ClassifiedAddress | undefined {
  return dns.addresses.find((a) => !a.private);
}
