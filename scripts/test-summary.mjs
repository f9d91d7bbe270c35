#!/usr/bin/env node
// Prints the one closing line CI reads, computed from vitest's own JSON reports.
//
//   node scripts/test-summary.mjs .vitest-report.json
//   node scripts/test-summary.mjs "Node 20.20.2=.vitest-report.node20.json" "Node 24.22.3=..."
//
// With labelled reports (one per Node version), each gets its own line, then the last line
// adds them up: `tests: N passed, N failed[, N skipped]`. Exit 0 only if nothing failed and
// every report has passing tests.
import { readFileSync } from 'node:fs';

/** Counts of one vitest JSON report; a missing or unreadable report is one failure. */
function countsOf(reportPath) {
  let report;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8'));
  } catch (error) {
    console.error(`no vitest JSON report at ${reportPath}: ${error.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const passed = report.numPassedTests ?? 0;
  // A file that fails to load has no test results; count it as a failure so it cannot hide.
  const failedSuites = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
  ).length;
  const failed = (report.numFailedTests ?? 0) + failedSuites;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return { passed, failed, skipped };
}

const format = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

const args = process.argv.slice(2);
const runs = (args.length > 0 ? args : ['.vitest-report.json']).map((arg) => {
  const at = arg.indexOf('=');
  return at === -1
    ? { label: undefined, path: arg }
    : { label: arg.slice(0, at), path: arg.slice(at + 1) };
});

const total = { passed: 0, failed: 0, skipped: 0 };
let everyRunPassedSomething = true;
for (const run of runs) {
  const counts = countsOf(run.path);
  for (const key of Object.keys(total)) total[key] += counts[key];
  if (counts.passed === 0) everyRunPassedSomething = false;
  // Not in the closing line's shape ("N passed, N failed" after one word and a colon), so
  // only the last line below is read as the result.
  if (run.label !== undefined) console.log(`${run.label} - ${format(counts)}`);
}
console.log(`tests: ${format(total)}`);
process.exit(total.failed === 0 && everyRunPassedSomething ? 0 : 1);
