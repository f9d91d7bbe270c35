import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type AwsSettings,
  callAws,
  createSecretsManagerClient,
  type GlobalOptions,
  resolveAwsSettings,
  secretsManagerEndpointUrl,
} from './aws.js';
import { type CliIo, Output } from './output.js';

/** Everything a command needs, built once from the global options. */
export interface CommandContext {
  io: CliIo;
  out: Output;
  globals: GlobalOptions;
  /** Region, endpoint and profile, resolved on first use (`local` and `netcheck --host` need none). */
  aws(): AwsSettings;
  /** Created on first use, from `aws()`. */
  secretsManager(): SecretsManagerClient;
  /** Runs one API call; a failure becomes an `AwsApiError` naming the Region and endpoint. */
  callAws<T>(operation: string, call: () => Promise<T>): Promise<T>;
  /**
   * A `rotakit` command line to print for the reader to run next: the arguments plus the
   * global flags this run was given (the environment carries over by itself).
   */
  commandLine(...args: string[]): string;
}

export function createContext(io: CliIo, globals: GlobalOptions): CommandContext {
  // A malformed flag is a usage error even for commands that never call AWS.
  if (globals.endpointUrl !== undefined) secretsManagerEndpointUrl(globals, {});
  let settings: AwsSettings | undefined;
  let client: SecretsManagerClient | undefined;
  const aws = () => {
    settings ??= resolveAwsSettings(globals, io.env);
    return settings;
  };
  return {
    io,
    globals,
    out: new Output(io, { json: globals.json ?? false, color: globals.color ?? true }),
    aws,
    secretsManager() {
      client ??= createSecretsManagerClient(aws(), io.env);
      return client;
    },
    callAws: (operation, call) => callAws(aws(), operation, call),
    commandLine: (...args) => formatCommandLine(globals, args),
  };
}

function formatCommandLine(globals: GlobalOptions, args: readonly string[]): string {
  const flags = [
    ...(globals.region ? ['--region', globals.region] : []),
    ...(globals.profile ? ['--profile', globals.profile] : []),
    ...(globals.endpointUrl ? ['--endpoint-url', globals.endpointUrl] : []),
  ];
  return ['rotakit', ...args, ...flags].map(shellQuote).join(' ');
}

/** Quotes a word for a POSIX shell when it needs it, so a printed command can be pasted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
