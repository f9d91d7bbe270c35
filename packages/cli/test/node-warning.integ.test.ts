import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './bin.js';

// The installed bin (bin/rotakit.js, what `rotakit` runs; it loads dist/cli.js) must not
// print the AWS SDK's Node 20 support notice (docs/node-versions.md explains it instead),
// while a user who asks for it (the variable set to anything else) still gets it. The child
// gets no inherited environment: the test runner's own setting must not hide the bin's.
const BIN = fileURLToPath(new URL('../bin/rotakit.js', import.meta.url));
const NOTICE = 'NodeVersionSupportWarning';
const SDK_WARNS_HERE = Number(process.versions.node.split('.')[0]) < 22;

let sm: SecretsManagerLocal;
beforeAll(async () => {
  assertBuilt();
  sm = await startSecretsManager();
});
afterAll(() => sm?.close());

function runBin(extraEnv: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret-key-example',
    ...extraEnv,
  };
  // `status` of a missing secret: the command creates its Secrets Manager client and calls it.
  const args = [BIN, 'status', 'no-such-secret', '--endpoint-url', sm.endpoint];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 30_000 }, (error, _stdout, stderr) => {
      const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, stderr });
    });
  });
}

describe('the AWS SDK Node version notice', () => {
  it('is not printed by the rotakit bin', async () => {
    const run = await runBin({});
    // The command ran far enough to create its client (it reports the missing secret).
    expect(run.stderr).toMatch(/DescribeSecret failed: ResourceNotFoundException/);
    expect(run.stderr).not.toContain(NOTICE);
  });

  it(`is printed when the user sets the variable to false${SDK_WARNS_HERE ? '' : ' (no notice on this Node: it is >= 22)'}`, async () => {
    const run = await runBin({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
    expect(run.stderr).toMatch(/DescribeSecret failed: ResourceNotFoundException/);
    if (SDK_WARNS_HERE) expect(run.stderr).toContain(NOTICE);
    else expect(run.stderr).not.toContain(NOTICE);
  });
});
