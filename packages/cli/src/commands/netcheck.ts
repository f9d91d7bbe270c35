import { definedOnly } from '@rotakit/core';
import { MYSQL_DEFAULT_PORT } from '@rotakit/engine-mysql';
import { POSTGRES_DEFAULT_PORT } from '@rotakit/engine-postgres';
import {
  checkAppPath,
  checkRotationPath,
  formatReport,
  type PathReport,
  type ProbeResult,
  probeDns,
  probeMysql,
  probePostgres,
  probeTcp,
  probeTls,
} from '@rotakit/netcheck';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatDuration } from '../output.js';

export interface NetcheckOptions {
  secret?: string;
  app?: boolean;
  login?: boolean;
  rds?: boolean;
  host?: string;
  port?: string;
  tls?: boolean;
  mysql?: boolean;
  postgres?: boolean;
  timeout?: string;
}

function positiveInt(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${option} must be a positive whole number (got ${value})`);
  return n;
}

/** `rotakit netcheck`: live probes from this machine, for a secret's paths or one host:port. */
export async function netcheckCommand(
  ctx: CommandContext,
  options: NetcheckOptions,
): Promise<ExitCode> {
  const timeoutMs = positiveInt(options.timeout, '--timeout', 10_000);
  if (options.secret && options.host)
    throw new UsageError('give either --secret or --host, not both');
  if (options.secret) return checkSecretPath(ctx, options.secret, options, timeoutMs);
  if (options.host) return probeHost(ctx, options, timeoutMs);
  throw new UsageError('netcheck needs --secret <secret> or --host <host> --port <port>');
}

async function checkSecretPath(
  ctx: CommandContext,
  secretId: string,
  options: NetcheckOptions,
  timeoutMs: number,
): Promise<ExitCode> {
  const check = options.app ? checkAppPath : checkRotationPath;
  const report: PathReport = await ctx.out.progress(
    `Checking the ${options.app ? 'application' : 'rotation'} path`,
    () =>
      check({
        secretId,
        client: ctx.secretsManager(),
        timeoutMs,
        env: ctx.io.env,
        ...(options.login ? { login: true } : {}),
        ...(options.rds ? { checkRdsApi: true } : {}),
        ...definedOnly({ signal: ctx.io.signal }),
      }),
  );
  if (ctx.out.json) ctx.out.printJson(report);
  else ctx.out.line(formatReport(report, { color: ctx.out.colors.isColorSupported }));
  return report.ok ? ExitCode.Ok : ExitCode.CheckFailed;
}

async function probeHost(
  ctx: CommandContext,
  options: NetcheckOptions,
  timeoutMs: number,
): Promise<ExitCode> {
  const host = options.host!;
  if (options.port === undefined) throw new UsageError('--host needs --port');
  const port = positiveInt(options.port, '--port', 0);
  if (port > 65_535) throw new UsageError(`--port must be at most 65535 (got ${port})`);
  const signal = ctx.io.signal;
  const common = { timeoutMs, ...definedOnly({ signal }) };
  const wantTls = options.tls ?? port === 443;
  const wantMysql = options.mysql ?? port === MYSQL_DEFAULT_PORT;
  const wantPostgres = options.postgres ?? port === POSTGRES_DEFAULT_PORT;
  const probes: Array<Promise<ProbeResult<unknown>>> = [
    probeDns({ host, ...common }),
    probeTcp({ host, port, ...common }),
    ...(wantTls ? [probeTls({ host, port, ...common })] : []),
    ...(wantMysql ? [probeMysql({ host, port, ...common })] : []),
    ...(wantPostgres ? [probePostgres({ host, port, ...common })] : []),
  ];
  const results = await ctx.out.progress(`Probing ${host}:${port}`, () => Promise.all(probes));
  const ok = results.every((r) => r.ok);
  if (ctx.out.json) {
    ctx.out.printJson({ ok, target: { host, port }, probes: results });
  } else {
    const c = ctx.out.colors;
    ctx.out.line(
      ctx.out.table(
        ['Probe', 'Target', 'Result', 'Time', 'Detail'],
        results.map((r) => [
          r.probe,
          r.target,
          r.ok ? c.green(r.status) : c.red(r.status),
          formatDuration(r.durationMs),
          describeProbe(r),
        ]),
      ),
    );
    ctx.out.line(
      ok ? c.green('All probes passed.') : c.red('Some probes failed: see the Result column.'),
    );
  }
  return ok ? ExitCode.Ok : ExitCode.CheckFailed;
}

function describeProbe(result: ProbeResult<unknown>): string {
  const evidence = (result.evidence ?? {}) as Record<string, unknown>;
  if (result.error) return [result.error.code, result.error.message].filter(Boolean).join(': ');
  if (result.probe === 'dns') {
    const addresses =
      (evidence.addresses as Array<{ address: string; scope: string }> | undefined) ?? [];
    return addresses.map((a) => `${a.address} (${a.scope})`).join(', ');
  }
  if (result.probe === 'mysql' && typeof evidence.serverVersion === 'string')
    return `server ${evidence.serverVersion}`;
  if (result.probe === 'postgres') return describePostgres(evidence);
  if (result.probe === 'tls' && typeof evidence.protocol === 'string')
    return String(evidence.protocol);
  return '';
}

/** `TLSv1.3, auth SCRAM-SHA-256`: what the server offered before any password. */
function describePostgres(evidence: Record<string, unknown>): string {
  const tls = evidence.tls as { protocol?: string } | undefined;
  const mechanisms = evidence.saslMechanisms as string[] | undefined;
  const auth = mechanisms?.join('/') ?? (evidence.authRequest as string | undefined) ?? '?';
  return `${tls ? (tls.protocol ?? 'TLS') : 'no TLS'}, auth ${auth}`;
}
