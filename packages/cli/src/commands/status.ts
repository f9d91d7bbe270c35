import type { CommandContext } from '../context.js';
import { ExitCode } from '../errors.js';
import type { SecretStatus } from '../status/assess.js';
import { readSecretStatus, stuckAfterOption } from '../status/read.js';

export interface StatusOptions {
  /** `--stuck-after`: e.g. `90s`, `10m`. */
  stuckAfter?: string;
}

export async function statusCommand(
  ctx: CommandContext,
  secretId: string,
  options: StatusOptions = {},
): Promise<ExitCode> {
  const assess = stuckAfterOption(options.stuckAfter);
  const status = await ctx.out.progress(`Reading ${secretId}`, () =>
    readSecretStatus(ctx, secretId, assess),
  );
  if (ctx.out.json) ctx.out.printJson(status);
  else printStatus(ctx, status);
  return status.ok ? ExitCode.Ok : ExitCode.CheckFailed;
}

export function printStatus(ctx: CommandContext, status: SecretStatus): void {
  const { out } = ctx;
  const c = out.colors;
  const badge = status.ok
    ? status.verdict === 'healthy'
      ? c.green('HEALTHY')
      : c.yellow(status.verdict.toUpperCase())
    : c.red(status.verdict.toUpperCase());
  out.line(`${c.bold(status.name)}  ${badge}`);
  out.line(`  ${status.message}`);
  out.line();
  const dash = c.dim('-');
  out.line(
    out.table(
      [],
      [
        ['ARN', status.arn],
        ['Rotation', status.rotationEnabled ? 'enabled' : 'disabled'],
        ['Rotation function', rotationFunction(status) ?? dash],
        ...managedRows(status),
        ['Schedule', schedule(status) ?? dash],
        ['Last rotated', status.lastRotatedDate ?? dash],
        ['Next rotation', status.nextRotationDate ?? dash],
      ],
    ),
  );
  out.line();
  out.line(
    out.table(
      ['Version', 'Labels', 'Created'],
      status.versions.map((v) => [
        v.versionId,
        v.stages.join(', ') || c.dim('(none)'),
        v.createdDate ?? dash,
      ]),
    ),
  );
}

/** A managed secret has no function: say who rotates it instead of leaving a dash. */
function rotationFunction(status: SecretStatus): string | undefined {
  if (status.rotationLambdaArn) return status.rotationLambdaArn;
  if (!status.owningService) return undefined;
  const owner = status.rdsManaged ? 'RDS' : status.owningService;
  return `none: ${owner} rotates it itself (managed rotation, no Lambda)`;
}

function managedRows(status: SecretStatus): string[][] {
  if (!status.owningService || !status.managedCommands) return [];
  const resource = status.rdsResource;
  const owner = resource
    ? `RDS, master user of DB ${resource.type} ${resource.identifier ?? '(identifier not tagged)'}`
    : status.owningService;
  const { rotateSecret, rdsRotate } = status.managedCommands;
  return [
    ['Owned by', owner],
    ['Rotate now', rdsRotate ? `${rotateSecret}\nor ${rdsRotate}` : rotateSecret],
  ];
}

function schedule(status: SecretStatus): string | undefined {
  if (!status.rotationSchedule) return undefined;
  return status.rotationWindow
    ? `${status.rotationSchedule} (window ${status.rotationWindow})`
    : status.rotationSchedule;
}
