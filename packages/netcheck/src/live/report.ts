import { InvalidOptionError } from '../errors.js';
import type { CheckStatus, PathReport } from './path.js';

export interface FormatReportOptions {
  /** ANSI colours. @default false */
  color?: boolean;
  /** Include every check's evidence as indented JSON. @default false */
  evidence?: boolean;
}

const LABEL: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  skip: 'SKIP',
};
const COLOR: Record<CheckStatus, string> = { pass: '32', fail: '31', warn: '33', skip: '90' };

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
}

/**
 * Renders a report for a terminal or a log: a header, one line per check with its detail,
 * the hint under anything that did not pass, and the summary.
 * @example console.log(formatReport(await checkRotationPath({ secretId }), { color: process.stdout.isTTY }));
 */
export function formatReport(report: PathReport, options: FormatReportOptions = {}): string {
  if (!report || !Array.isArray(report.checks)) {
    throw InvalidOptionError.of(
      'report',
      'expected a report from checkRotationPath, checkAppPath or diagnoseFailure',
    );
  }
  const color = options.color ?? false;
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const verdict = report.ok
    ? paint('32', 'OK')
    : report.aborted
      ? paint('33', 'ABORTED')
      : paint('31', 'FAIL');
  const what =
    report.kind === 'app'
      ? 'application path'
      : report.kind === 'diagnosis'
        ? 'diagnosis'
        : 'rotation path';
  const lines = [
    `netcheck ${what}: ${verdict} in ${seconds(report.durationMs)} (budget ${seconds(report.budgetMs)})`,
    `  secrets manager: ${report.target.secretsManager.url} (${report.target.secretsManager.source}), region ${report.target.region}` +
      (report.target.secretId ? `, secret ${report.target.secretId}` : ''),
  ];
  if (report.target.database) {
    const db = report.target.database;
    lines.push(`  database: ${db.host}:${db.port}${db.engine ? ` (${db.engine})` : ''}`);
  }
  const width = Math.max(...report.checks.map((c) => c.name.length));
  for (const check of report.checks) {
    const label = paint(COLOR[check.status], LABEL[check.status]);
    const time = check.durationMs > 0 ? ` [${seconds(check.durationMs)}]` : '';
    lines.push(`  ${label} ${check.id} ${check.name.padEnd(width)}  ${check.detail}${time}`);
    if (check.hint && check.status !== 'pass') lines.push(`         -> ${check.hint}`);
    if (options.evidence) {
      for (const line of JSON.stringify(check.evidence, null, 2).split('\n'))
        lines.push(`         ${line}`);
    }
  }
  lines.push(`  summary: ${report.summary}`);
  return lines.join('\n');
}
