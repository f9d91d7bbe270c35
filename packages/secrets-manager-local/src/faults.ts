import { randomUUID } from 'node:crypto';
import { InvalidOptionError } from './errors.js';

/** What an injected fault does to a matching request. */
export type FaultKind = 'throttle' | 'internal-error' | 'latency' | 'drop-connection';

export interface FaultSpec {
  /** Operation name (`GetSecretValue`) or `'*'` for every operation. */
  readonly operation: string;
  readonly kind: FaultKind;
  /** Applies to this many matching requests, then removes itself. @default unlimited */
  readonly times?: number;
  /** Probability (0 < rate <= 1) that a matching request is hit. @default 1 */
  readonly rate?: number;
  /** Added delay for `kind: 'latency'`. */
  readonly latencyMs?: number;
}

export interface FaultInfo extends FaultSpec {
  readonly id: string;
  /** Requests this fault has hit so far. */
  readonly hits: number;
}

export interface FaultHandle {
  readonly id: string;
  readonly hits: number;
  /** Removes the fault; returns false when it was already gone (spent, cleared or removed). */
  remove(): boolean;
}

/** Fault injection per operation. */
export interface Faults {
  add(spec: FaultSpec): FaultHandle;
  remove(id: string): boolean;
  clear(): void;
  list(): FaultInfo[];
}

export interface FaultDecision {
  readonly latencyMs: number;
  readonly action?: 'throttle' | 'internal-error' | 'drop-connection';
}

const KINDS: readonly FaultKind[] = ['throttle', 'internal-error', 'latency', 'drop-connection'];
const NONE: FaultDecision = Object.freeze({ latencyMs: 0 });

interface ActiveFault {
  readonly id: string;
  readonly spec: FaultSpec;
  hits: number;
}

export class FaultRegistry implements Faults {
  readonly #faults = new Map<string, ActiveFault>();

  add(spec: FaultSpec): FaultHandle {
    const checked = validateFault(spec);
    const fault: ActiveFault = { id: randomUUID(), spec: checked, hits: 0 };
    this.#faults.set(fault.id, fault);
    return {
      id: fault.id,
      get hits() {
        return fault.hits;
      },
      remove: () => this.remove(fault.id),
    };
  }

  remove(id: string): boolean {
    return this.#faults.delete(id);
  }

  clear(): void {
    this.#faults.clear();
  }

  list(): FaultInfo[] {
    return [...this.#faults.values()].map((f) => ({ ...f.spec, id: f.id, hits: f.hits }));
  }

  /** Decides what happens to one request; consumes `times` of the faults that hit. */
  decide(operation: string): FaultDecision {
    if (this.#faults.size === 0) return NONE;
    let latencyMs = 0;
    let action: FaultDecision['action'];
    for (const fault of this.#faults.values()) {
      const { spec } = fault;
      if (spec.operation !== '*' && spec.operation !== operation) continue;
      if (spec.kind !== 'latency' && action !== undefined) continue;
      if (spec.rate !== undefined && spec.rate < 1 && Math.random() >= spec.rate) continue;
      fault.hits++;
      if (spec.times !== undefined && fault.hits >= spec.times) this.#faults.delete(fault.id);
      if (spec.kind === 'latency') latencyMs += spec.latencyMs ?? 0;
      else action = spec.kind;
    }
    return action === undefined ? { latencyMs } : { latencyMs, action };
  }
}

function validateFault(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null) {
    throw InvalidOptionError.of(
      'fault',
      'expected an object { operation, kind, times?, rate?, latencyMs? }',
    );
  }
  const spec = input as Record<string, unknown>;
  const { operation, kind, times, rate, latencyMs } = spec;
  if (typeof operation !== 'string' || operation.length === 0) {
    throw InvalidOptionError.of(
      'fault.operation',
      "expected an operation name such as 'GetSecretValue', or '*'",
    );
  }
  if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind)) {
    throw InvalidOptionError.of('fault.kind', `expected one of ${KINDS.join(', ')}`);
  }
  if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times > 0)) {
    throw InvalidOptionError.of('fault.times', 'expected a positive integer');
  }
  if (rate !== undefined && !(typeof rate === 'number' && rate > 0 && rate <= 1)) {
    throw InvalidOptionError.of('fault.rate', 'expected a number with 0 < rate <= 1');
  }
  if (kind === 'latency') {
    if (!(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)) {
      throw InvalidOptionError.of('fault.latencyMs', "expected a number >= 0 for kind 'latency'");
    }
  } else if (latencyMs !== undefined) {
    throw InvalidOptionError.of('fault.latencyMs', "only applies to kind 'latency'");
  }
  const out: { -readonly [K in keyof FaultSpec]: FaultSpec[K] } = {
    operation,
    kind: kind as FaultKind,
  };
  if (times !== undefined) out.times = times as number;
  if (rate !== undefined) out.rate = rate as number;
  if (latencyMs !== undefined) out.latencyMs = latencyMs as number;
  return Object.freeze(out);
}
