import { runCli as runSecretsManagerLocal } from '@rotakit/secrets-manager-local';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../errors.js';

export interface LocalOptions {
  port?: string;
  host?: string;
  data?: string;
  rotationFunction?: string[];
}

/** `rotakit local`: the local Secrets Manager in the foreground until Ctrl-C. */
export async function localCommand(ctx: CommandContext, options: LocalOptions): Promise<ExitCode> {
  const argv = [
    ...(options.port !== undefined ? ['--port', options.port] : []),
    ...(options.host !== undefined ? ['--host', options.host] : []),
    ...(options.data !== undefined ? ['--data', options.data] : []),
    ...(ctx.globals.region !== undefined ? ['--region', ctx.globals.region] : []),
    ...(options.rotationFunction ?? []).flatMap((mapping) => ['--rotation-function', mapping]),
  ];
  const code = await runSecretsManagerLocal(argv, {
    stdout: ctx.io.stdout,
    stderr: ctx.io.stderr,
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  return code === 0 ? ExitCode.Ok : code === 2 ? ExitCode.Usage : ExitCode.CheckFailed;
}
