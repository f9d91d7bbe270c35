// `pnpm start`: runs the service from its environment until SIGTERM or SIGINT.
import { jsonLog } from './app.js';
import { ConfigurationError } from './errors.js';
import { run } from './run.js';

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => controller.abort());
}

try {
  const app = await run({ signal: controller.signal });
  await app.closed;
} catch (error) {
  if (error instanceof ConfigurationError) {
    jsonLog('error', error.message, { variable: error.variable });
    process.exitCode = 2;
  } else {
    jsonLog('error', 'the service failed', {
      error: error instanceof Error ? error.name : 'Error',
      detail: error instanceof Error ? error.message : String(error),
    });
    process.exitCode = 1;
  }
}
