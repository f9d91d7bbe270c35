import { performance } from 'node:perf_hooks';
import { Deadline, roundMs } from '../util/deadline.js';
import { apiCheck } from './path/api-check.js';
import { type CheckContext, checkContext } from './path/context.js';
import { databaseCheck } from './path/database-check.js';
import { endpointCheck } from './path/endpoint-check.js';
import { dnsCheck, routeOutCheck, tcpCheck } from './path/network-checks.js';
import { type DatabaseProbe, probePath } from './path/probes.js';
import { rdsApiCheck } from './path/rds-api-check.js';
import type { CheckId, PathCheck, PathCheckInput, PathReport } from './path/types.js';

export {
  CHECK_NAMES,
  type CheckId,
  type CheckStatus,
  type PathCheck,
  type PathCheckInput,
  type PathReport,
} from './path/types.js';

/** One evaluator per condition, in report order: each judges the probes and words the result. */
const EVALUATORS: ReadonlyArray<(ctx: CheckContext) => PathCheck> = [
  endpointCheck, // R2
  dnsCheck, // R3
  tcpCheck, // R4
  routeOutCheck, // R5
  apiCheck, // R6
  databaseCheck, // R7
  rdsApiCheck, // R8
];

function databaseTarget(db: DatabaseProbe | undefined): PathReport['target']['database'] {
  if (!db?.secret) return undefined;
  const { host, port, engine } = db.secret.target;
  return { host, port, engine: engine || undefined };
}

function reportTarget(input: PathCheckInput, db: DatabaseProbe | undefined): PathReport['target'] {
  const { url, host, port, source } = input.endpoint;
  return {
    secretId: input.secretId,
    region: input.region,
    secretsManager: { url, host, port, source },
    database: databaseTarget(db),
  };
}

/** Runs the checks of one path concurrently within one budget. */
export async function runPathChecks(input: PathCheckInput): Promise<PathReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  using deadline = new Deadline(input.budgetMs, input.signal);
  const probes = await probePath(input, deadline);
  const ctx = checkContext(input, probes);
  const checks = EVALUATORS.map((evaluate) => evaluate(ctx));
  const aborted = deadline.aborted;
  const report: PathReport = {
    kind: input.kind,
    ok: !aborted && checks.every((c) => c.status !== 'fail'),
    aborted,
    startedAt,
    durationMs: roundMs(performance.now() - t0),
    budgetMs: input.budgetMs,
    target: reportTarget(input, probes.database),
    checks,
    summary: '',
  };
  report.summary = summarize(report);
  return report;
}

/** One line: the most telling failure (R5's "no route out" before R4's timeout), else warnings, else success. */
export function summarize(report: Pick<PathReport, 'checks' | 'durationMs' | 'aborted'>): string {
  const byId = (id: CheckId) => report.checks.find((c) => c.id === id);
  const failed = report.checks.filter((c) => c.status === 'fail');
  const r5 = byId('R5');
  const lead = r5?.status === 'fail' ? r5 : failed[0];
  if (lead) {
    const others = failed.filter((c) => c !== lead).map((c) => c.id);
    const more = others.length > 0 ? ` (+${others.length} more failing: ${others.join(', ')})` : '';
    return `${lead.id} ${lead.name}: ${lead.hint ?? lead.detail}${more}`;
  }
  if (report.aborted) return 'aborted before the checks finished';
  const warned = report.checks.find((c) => c.status === 'warn');
  if (warned) return `${warned.id} ${warned.name} (warning): ${warned.hint ?? warned.detail}`;
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  return `all ${passed} checks passed in ${Math.round(report.durationMs)} ms`;
}
