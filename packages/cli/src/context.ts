import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretsManagerClient, type GlobalOptions } from './aws.js';
import { type CliIo, Output } from './output.js';

/** Everything a command needs, built once from the global options. */
export interface CommandContext {
  io: CliIo;
  out: Output;
  globals: GlobalOptions;
  /** Created on first use so commands that need no AWS (e.g. `local`) never build one. */
  secretsManager(): SecretsManagerClient;
}

export function createContext(io: CliIo, globals: GlobalOptions): CommandContext {
  let client: SecretsManagerClient | undefined;
  return {
    io,
    globals,
    out: new Output(io, { json: globals.json ?? false, color: globals.color ?? true }),
    secretsManager() {
      client ??= createSecretsManagerClient(globals, io.env);
      return client;
    },
  };
}
