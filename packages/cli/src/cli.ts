#!/usr/bin/env node
import { runCli } from './program.js';

// The SDK warns on every run that its 2027 releases will need Node 22; on a terminal at
// 3 a.m. that buries the answer. Set the variable to 'false' to see it again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exitCode = code;
