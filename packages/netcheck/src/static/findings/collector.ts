import {
  CATALOGUE,
  type FindingCode,
  type FindingDataByCode,
  severityOf,
  wordingOf,
} from './catalogue.js';
import type {
  ConditionId,
  Finding,
  FindingRule,
  FindingSeverity,
  ResourceType,
  ServiceName,
} from './types.js';

/** A finding as detection raises it: typed data, no text. */
export type RaisedFinding = {
  [C in FindingCode]: {
    code: C;
    resource: { type: ResourceType; id: string };
    rule?: FindingRule;
    data: FindingDataByCode[C];
    /** The flow's condition, for codes raised along several paths; else the catalogue's. */
    condition?: ConditionId;
    service?: ServiceName;
  };
}[FindingCode];

interface Collected {
  raised: RaisedFinding;
  severity: FindingSeverity;
  condition: ConditionId;
  /** Every peer that hit the same rule, in the order seen. */
  peers: Set<string>;
}

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

function keyOf({ code, service, resource, rule: r }: RaisedFinding): string {
  return [
    code,
    service,
    resource.id,
    r?.direction,
    r?.ports,
    r?.ruleNumber,
    r?.destination,
    r?.attribute,
  ].join('|');
}

function peersOf(rule: FindingRule | undefined): string[] {
  return (rule?.peer ?? '').split(', ').filter(Boolean);
}

function render({ raised, severity, condition, peers }: Collected): Finding {
  const peer = [...peers].join(', ');
  const { message, fix } = wordingOf(raised.code, raised.data as never, peer);
  const rule = raised.rule && { ...raised.rule, peer: peers.size > 0 ? peer : raised.rule.peer };
  return {
    code: raised.code,
    severity,
    condition,
    service: raised.service,
    resource: raised.resource,
    rule,
    message,
    fix,
  };
}

/**
 * Collects findings as data, merging those that name the same resource and rule (the same
 * rule reached from several subnets is one finding listing every peer), and words them at
 * the end.
 */
export class FindingCollector {
  readonly #byKey = new Map<string, Collected>();

  add(raised: RaisedFinding): void {
    const severity = severityOf(raised.code, raised.data as never);
    const key = keyOf(raised);
    const existing = this.#byKey.get(key);
    if (!existing) {
      const condition = raised.condition ?? CATALOGUE[raised.code].condition;
      this.#byKey.set(key, { raised, severity, condition, peers: new Set(peersOf(raised.rule)) });
      return;
    }
    if (existing.raised.rule) for (const peer of peersOf(raised.rule)) existing.peers.add(peer);
    // The more severe finding's words win; the condition stays the first one's.
    if (SEVERITY_ORDER[severity] < SEVERITY_ORDER[existing.severity]) {
      existing.severity = severity;
      existing.raised = { ...raised, rule: existing.raised.rule };
    }
  }

  list(): Finding[] {
    return [...this.#byKey.values()]
      .map(render)
      .sort(
        (a, b) =>
          SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
          a.condition.localeCompare(b.condition) ||
          a.code.localeCompare(b.code) ||
          a.resource.id.localeCompare(b.resource.id),
      );
  }
}
