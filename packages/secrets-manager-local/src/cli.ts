#!/usr/bin/env node
import { runSecretsManagerLocalCli } from './run-cli.js';

runSecretsManagerLocalCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
