#!/usr/bin/env node
import { ExitCode } from './errors.js';
import { runCli } from './program.js';

// The SDK warns on every run that its 2027 releases will need Node 22; on a terminal at
// 3 a.m. that buries the answer. Set the variable to 'false' to see it again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `rotakit status x | head -1`: the reader has what it wanted. Keep going quietly (a
// rotation must not stop half way because nobody reads its progress) and exit as usual.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

// First Ctrl-C (or SIGTERM): stop at the next safe point; second: now; third: exit.
const stop = new AbortController();
const stopNow = new AbortController();
let interrupts = 0;
const onInterrupt = () => {
  interrupts += 1;
  if (interrupts === 1) stop.abort();
  else if (interrupts === 2) stopNow.abort();
  else process.exit(ExitCode.Interrupted);
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: stop.signal,
  abortNow: stopNow.signal,
});
// An interrupted command may leave a socket or a prompt behind: don't wait for them.
if (code === ExitCode.Interrupted) process.exit(code);
process.exitCode = code;
