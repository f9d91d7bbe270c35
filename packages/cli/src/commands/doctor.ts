import { readFileSync, writeFileSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { definedOnly, parseRdsSecret } from '@rotakit/core';
import {
  analyzeRotationNetwork,
  checkRotationPath,
  collectSnapshot,
  type Finding,
  formatReport,
  type PathReport,
  type RotationNetworkAnalysis,
  type RotationNetworkSnapshot,
  type SendingClient,
} from '@rotakit/netcheck';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { SecretStatus } from '../status/assess.js';
import { readSecretStatus, stuckAfterOption } from '../status/read.js';
import { printStatus } from './status.js';

export interface DoctorOptions {
  function?: string;
  dbCluster?: string;
  dbInstance?: string;
  live?: boolean;
  static?: boolean;
  timeout?: string;
  /** `--stuck-after`: e.g. `90s`, `10m`. */
  stuckAfter?: string;
  /** Analyse this saved snapshot (JSON) instead of reading the AWS configuration. */
  snapshot?: string;
  /** Write the collected snapshot here, to analyse later or elsewhere with --snapshot. */
  saveSnapshot?: string;
}

/** EC2, RDS and Lambda clients for the static analysis. */
interface StaticClients {
  ec2: SendingClient;
  rds: SendingClient;
  lambda: SendingClient;
}

export interface DoctorReport {
  ok: boolean;
  /** The most important things to fix, first: static findings, then failed live checks. */
  findings: Array<{
    source: 'static' | 'live';
    code: string;
    severity: string;
    message: string;
    fix?: string;
  }>;
  status: SecretStatus;
  live?: PathReport;
  liveSkipped?: string;
  static?: RotationNetworkAnalysis;
  staticSkipped?: string;
}

/** `rotakit doctor`: status + live checks + static analysis, in one report, findings first. */
export async function doctorCommand(
  ctx: CommandContext,
  secretId: string,
  options: DoctorOptions,
): Promise<ExitCode> {
  const assess = stuckAfterOption(options.stuckAfter);
  const status = await ctx.out.progress('Reading the secret', () =>
    readSecretStatus(ctx, secretId, assess),
  );
  const managedSkip = managedSkipReason(status);
  const [live, staticResult] = managedSkip
    ? [{ skipped: managedSkip }, { skipped: managedSkip }]
    : await ctx.out.progress('Checking the network, live and from the AWS configuration', () =>
        checkNetwork(ctx, secretId, status, options),
      );

  const findings: DoctorReport['findings'] = [];
  if (!status.ok || managedSkip)
    findings.push({
      source: 'live',
      code: status.verdict.toUpperCase(),
      severity: status.ok ? 'info' : 'error',
      message: status.message,
    });
  for (const f of staticResult.analysis?.findings ?? []) findings.push(fromStatic(f));
  for (const check of live.report?.checks ?? []) {
    if (check.status === 'fail' || check.status === 'warn') {
      findings.push({
        source: 'live',
        code: `${check.id}_${check.status.toUpperCase()}`,
        severity: check.status === 'fail' ? 'error' : 'warning',
        message: `${check.name}: ${check.detail}`,
        ...definedOnly({ fix: check.hint }),
      });
    }
  }
  const order = { error: 0, warning: 1, info: 2 } as Record<string, number>;
  findings.sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
  const ok = status.ok && (live.report?.ok ?? true) && (staticResult.analysis?.ok ?? true);
  const report: DoctorReport = {
    ok,
    findings,
    status,
    ...(live.report ? { live: live.report } : { liveSkipped: live.skipped ?? 'not run' }),
    ...(staticResult.analysis
      ? { static: staticResult.analysis }
      : { staticSkipped: staticResult.skipped ?? 'not run' }),
  };

  if (ctx.out.json) ctx.out.printJson(report);
  else printDoctor(ctx, report);
  return ok ? ExitCode.Ok : ExitCode.CheckFailed;
}

type LiveResult = { report?: PathReport; skipped?: string };
type StaticResult = { analysis?: RotationNetworkAnalysis; skipped?: string };

/** The live probes of the rotation path and the static analysis, side by side. */
function checkNetwork(
  ctx: CommandContext,
  secretId: string,
  status: SecretStatus,
  options: DoctorOptions,
): Promise<[LiveResult, StaticResult]> {
  const timeoutMs = options.timeout ? Number(options.timeout) : 10_000;
  const live: Promise<LiveResult> =
    options.live === false
      ? Promise.resolve({ skipped: 'turned off (--no-live)' })
      : checkRotationPath({
          secretId,
          client: ctx.secretsManager(),
          timeoutMs,
          env: ctx.io.env,
          ...definedOnly({ signal: ctx.io.signal }),
        })
          .then((report): LiveResult => ({ report }))
          .catch(
            (error: Error): LiveResult => ({
              skipped: `could not run: ${error.name}: ${error.message}`,
            }),
          );
  return Promise.all([live, runStatic(ctx, secretId, status, options)]);
}

/**
 * A secret another service rotates has no rotation function, hence no rotation network path
 * to probe or analyse; the live checks would only trip over its missing host.
 */
function managedSkipReason(status: SecretStatus): string | undefined {
  if (!status.owningService) return undefined;
  const owner = status.rdsManaged ? 'RDS' : status.owningService;
  return (
    `managed by ${owner}, which rotates it itself: there is no rotation function whose network path could be checked. ` +
    "For your application's path to the database, run `rotakit netcheck --host <endpoint> --port <port>`."
  );
}

function fromStatic(f: Finding): DoctorReport['findings'][number] {
  return {
    source: 'static',
    code: f.code,
    severity: f.severity,
    message: `[${f.condition}] ${f.message}`,
    fix: f.fix,
  };
}

async function runStatic(
  ctx: CommandContext,
  secretId: string,
  status: SecretStatus,
  options: DoctorOptions,
): Promise<{ analysis?: RotationNetworkAnalysis; skipped?: string }> {
  if (options.static === false) return { skipped: 'turned off (--no-static)' };
  if (options.snapshot)
    return analyze(readSnapshot(options.snapshot), `snapshot ${options.snapshot}`);
  if (ctx.aws().local) {
    return {
      skipped: 'the Secrets Manager endpoint is local: there is no VPC configuration to read',
    };
  }
  const functionName = options.function ?? status.rotationLambdaArn;
  if (!functionName) {
    return {
      skipped: 'no rotation function: give --function <name> (the secret has no RotationLambdaARN)',
    };
  }
  // The database identifiers live in the RDS secret JSON; only those two fields are kept.
  let dbCluster = options.dbCluster;
  let dbInstance = options.dbInstance;
  if (!dbCluster && !dbInstance) {
    const ids = await ctx
      .secretsManager()
      .send(new GetSecretValueCommand({ SecretId: secretId }))
      .then((v) => parseRdsSecret(v.SecretString ?? '{}'))
      .catch(() => undefined);
    if (ids?.dbClusterIdentifier) dbCluster = ids.dbClusterIdentifier;
    else if (ids?.dbInstanceIdentifier) dbInstance = ids.dbInstanceIdentifier;
  }
  const clients = defaultStaticClients(ctx);
  let snapshot: RotationNetworkSnapshot;
  try {
    snapshot = await collectSnapshot({
      functionName,
      secretId,
      clients: { ...clients, secretsManager: ctx.secretsManager() },
      ...(dbCluster
        ? { dbClusterIdentifier: dbCluster }
        : dbInstance
          ? { dbInstanceIdentifier: dbInstance }
          : {}),
      ...definedOnly({ signal: ctx.io.signal }),
    });
  } catch (error) {
    const e = error as Error;
    return {
      skipped: `could not read the AWS configuration (${e.message}); the live checks still apply`,
    };
  }
  if (options.saveSnapshot)
    writeFileSync(options.saveSnapshot, `${JSON.stringify(snapshot, null, 2)}\n`);
  return analyze(snapshot, 'the AWS configuration');
}

function analyze(
  snapshot: RotationNetworkSnapshot,
  source: string,
): { analysis?: RotationNetworkAnalysis; skipped?: string } {
  try {
    return { analysis: analyzeRotationNetwork(snapshot) };
  } catch (error) {
    return { skipped: `could not analyse ${source}: ${(error as Error).message}` };
  }
}

function readSnapshot(path: string): RotationNetworkSnapshot {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--snapshot: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return JSON.parse(text) as RotationNetworkSnapshot;
  } catch {
    throw new UsageError(`--snapshot: ${path} is not JSON (write one with --save-snapshot)`);
  }
}

function defaultStaticClients(ctx: CommandContext): StaticClients {
  const { region, profile } = ctx.aws();
  const config = { region, ...(profile ? { profile } : {}), maxAttempts: 2 };
  return {
    ec2: new EC2Client(config),
    rds: new RDSClient(config),
    lambda: new LambdaClient(config),
  };
}

function printDoctor(ctx: CommandContext, report: DoctorReport): void {
  const { out } = ctx;
  const c = out.colors;
  out.line(
    c.bold(
      report.ok
        ? c.green('No problems found.')
        : c.red(`${report.findings.length} finding(s), most important first:`),
    ),
  );
  for (const f of report.findings) {
    const sev =
      f.severity === 'error'
        ? c.red('ERROR')
        : f.severity === 'warning'
          ? c.yellow('WARN ')
          : c.dim('INFO ');
    out.line(`  ${sev} ${c.bold(f.code)} ${c.dim(`(${f.source})`)}`);
    out.line(`        ${f.message}`);
    if (f.fix) out.line(`        ${c.cyan('fix:')} ${f.fix}`);
  }
  out.line();
  printStatus(ctx, report.status);
  out.line();
  out.line(c.bold('Live checks from this machine'));
  if (report.live) out.line(formatReport(report.live, { color: c.isColorSupported }));
  else out.line(`  skipped: ${report.liveSkipped}`);
  out.line();
  out.line(c.bold('Static analysis of the VPC configuration'));
  if (report.static) {
    out.line(
      `  ${report.static.findings.length} finding(s); ${report.static.ok ? 'no errors' : 'errors above'}`,
    );
  } else {
    out.line(`  skipped: ${report.staticSkipped}`);
  }
}
