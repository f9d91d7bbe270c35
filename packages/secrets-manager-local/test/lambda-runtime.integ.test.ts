// The Lambda Runtime API and the sandbox, under the real runtime interface client
// (aws-lambda-ric 3.3.0 on Node 20 and 4.0.2 on Node 22), with a tiny function fixture.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type LambdaLogEntry,
  parseCliArgs,
  type RotationOutcome,
  type SecretsManagerLocal,
  startFromArgs,
  startSecretsManager,
} from '../src/index.js';
import { type LambdaFunctionDefinition, resolveLambdaFunction } from '../src/lambda/definition.js';
import { LambdaFunction } from '../src/lambda/lambda-function.js';
import type { InvocationResult } from '../src/lambda/sandbox.js';
import { uniqueName } from './helpers.js';
import { isAlive, type LambdaRuntime, lambdaRuntimes } from './lambda-runtimes.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(HERE, 'fixtures', 'lambda-function');
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:tiny';
const IDENTITY = {
  functionName: 'tiny',
  region: 'us-east-1',
  serviceEndpoint: 'http://127.0.0.1:9',
};

interface Described {
  inits: number;
  pid: number;
  remainingMs: number;
  awsRequestId: string;
  invokedFunctionArn: string;
  functionName: string;
  memoryLimitInMB: string;
  traceId: string;
  cwd: string;
  greeting: string;
  executionEnv: string;
  sdkEndpoint: string;
  home?: string;
}

function payloadOf<T>(result: InvocationResult): T {
  if (!result.ok) throw new Error(`invocation failed: ${JSON.stringify(result.error)}`);
  return JSON.parse(result.payload) as T;
}

async function waitUntilGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

describe.each(lambdaRuntimes())('the Lambda sandbox under $name', (runtime: LambdaRuntime) => {
  const functions: LambdaFunction[] = [];
  afterAll(async () => {
    await Promise.all(functions.map((fn) => fn.close()));
  });

  function tinyFunction(overrides: Partial<LambdaFunctionDefinition> = {}) {
    const logs: LambdaLogEntry[] = [];
    const definition = resolveLambdaFunction({
      codeDirectory: FIXTURE,
      handler: 'index.handler',
      environment: { GREETING: 'hello' },
      memorySizeMb: 256,
      runtimeClient: runtime.runtimeClient,
      nodeExecutable: runtime.nodeExecutable,
      logSink: (entry) => logs.push(entry),
      ...overrides,
    });
    const fn = new LambdaFunction(ARN, definition, () => IDENTITY);
    functions.push(fn);
    const invoke = (event: unknown, timeoutMs = 20_000) => fn.invoke({ event, timeoutMs });
    return { fn, invoke, logs };
  }

  it('hands the event over with Lambda headers and environment, and keeps the sandbox warm', async () => {
    const { invoke, logs } = tinyFunction();
    const first = payloadOf<Described>(await invoke({ action: 'describe' }));
    const second = payloadOf<Described>(await invoke({ action: 'describe' }));
    // Lambda-Runtime-Deadline-Ms gives getRemainingTimeInMillis(): below the timeout, above 0.
    expect(first.remainingMs).toBeGreaterThan(0);
    expect(first.remainingMs).toBeLessThanOrEqual(20_000);
    expect(first.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.awsRequestId).not.toBe(first.awsRequestId);
    expect(first.invokedFunctionArn).toBe(ARN);
    expect(first.traceId).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    expect(first).toMatchObject({
      functionName: 'tiny',
      memoryLimitInMB: '256',
      cwd: FIXTURE,
      greeting: 'hello',
      executionEnv: `AWS_Lambda_nodejs${runtime.nodeVersion.split('.')[0]}.x`,
      sdkEndpoint: IDENTITY.serviceEndpoint,
    });
    expect(first.home).toBeUndefined();
    // One warm sandbox: module scope ran once, in one process.
    expect(second).toMatchObject({ inits: 1, pid: first.pid });
    const lines = logs.map((entry) => entry.message);
    expect(lines.filter((line) => line.includes('init ran'))).toHaveLength(1);
    expect(lines.some((line) => line.includes(`describing ${first.awsRequestId}`))).toBe(true);
  });

  it('posts a thrown error as the invocation error, with its type; the sandbox stays warm', async () => {
    const { invoke } = tinyFunction();
    const before = payloadOf<Described>(await invoke({ action: 'describe' }));
    const failed = await invoke({ action: 'throw' });
    expect(failed).toMatchObject({
      ok: false,
      sandboxLost: false,
      error: { errorType: 'TypeError', errorMessage: 'the handler failed on purpose' },
    });
    const after = payloadOf<Described>(await invoke({ action: 'describe' }));
    expect(after.pid).toBe(before.pid);
  });

  it('kills a sandbox past its timeout with "Task timed out", and cold-starts the next one', async () => {
    const { invoke } = tinyFunction();
    const before = payloadOf<Described>(await invoke({ action: 'describe' }));
    const timedOut = await invoke({ action: 'sleep', ms: 30_000 }, 1_500);
    expect(timedOut).toEqual({
      ok: false,
      sandboxLost: true,
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.50 seconds' },
    });
    expect(isAlive(before.pid)).toBe(false);
    const after = payloadOf<Described>(await invoke({ action: 'describe' }));
    expect(after.pid).not.toBe(before.pid);
    expect(after.inits).toBe(1);
  });

  it('reports a crashed runtime as Runtime.ExitError and restarts it for the next invocation', async () => {
    const { invoke } = tinyFunction();
    const before = payloadOf<Described>(await invoke({ action: 'describe' }));
    const crashed = await invoke({ action: 'exit', code: 3 });
    expect(crashed).toMatchObject({ ok: false, sandboxLost: true });
    if (crashed.ok) return;
    expect(crashed.error.errorType).toBe('Runtime.ExitError');
    expect(crashed.error.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/,
    );
    const after = payloadOf<Described>(await invoke({ action: 'describe' }));
    expect(after.pid).not.toBe(before.pid);
  });

  it('reports an init error (module scope threw) and tries a fresh init next time', async () => {
    const { invoke, logs } = tinyFunction({ handler: 'broken.handler' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await invoke({ action: 'describe' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.sandboxLost).toBe(true);
      // Posted by the client to init/error, not an exit: the thrown error's own type.
      expect(result.error).toEqual({
        errorType: 'RangeError',
        errorMessage: 'PASSWORD_LENGTH must be a number',
      });
    }
    expect(logs.some((entry) => entry.message.includes('PASSWORD_LENGTH must be a number'))).toBe(
      true,
    );
  });

  it('reports a handler module that is not there as the client names it', async () => {
    const { invoke } = tinyFunction({ handler: 'missing.handler' });
    const result = await invoke({ action: 'describe' });
    expect(result).toMatchObject({
      ok: false,
      sandboxLost: true,
      error: {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: expect.stringMatching(/^Error: Cannot find module 'missing'/),
      },
    });
  });

  it('on a drained event loop: 3.x posts a null success, 4.x exits without a reason', async () => {
    const { invoke } = tinyFunction();
    const result = await invoke({ action: 'drain' });
    if (runtime.ricVersion.startsWith('3.')) {
      // The bug this mode exists to show: the handler never finished, yet the step "succeeded".
      expect(result).toEqual({ ok: true, payload: 'null' });
    } else {
      expect(result).toMatchObject({ ok: false, sandboxLost: true });
      if (result.ok) return;
      expect(result.error.errorType).toBe('Runtime.ExitError');
      expect(result.error.errorMessage).toMatch(
        /Error: Runtime exited without providing a reason$/,
      );
    }
  });

  it('kills the sandbox on close', async () => {
    const { fn, invoke } = tinyFunction();
    const { pid } = payloadOf<Described>(await invoke({ action: 'describe' }));
    await fn.close();
    expect(isAlive(pid)).toBe(false);
    expect(await invoke({ action: 'describe' })).toMatchObject({ ok: false });
  });

  it('runs RotateSecret steps through the sandbox; a failed step is the rotation error', async () => {
    await using sm = await startSecretsManager();
    const client = sm.client({ maxAttempts: 1 });
    const logs: string[] = [];
    const definition = {
      codeDirectory: FIXTURE,
      handler: 'index.handler',
      runtimeClient: runtime.runtimeClient,
      nodeExecutable: runtime.nodeExecutable,
      logSink: (entry: LambdaLogEntry) => logs.push(entry.message),
    };
    sm.registerRotationFunction(ARN, definition);
    sm.registerRotationFunction(`${ARN}-failing`, {
      ...definition,
      environment: { FAIL_STEP: 'setSecret' },
    });
    for (const [arn, expected] of [
      [ARN, { status: 'succeeded' }],
      [`${ARN}-failing`, { status: 'failed', failedStep: 'setSecret' }],
    ] as const) {
      const name = uniqueName('lambda');
      await client.send(new CreateSecretCommand({ Name: name, SecretString: '{}' }));
      await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: arn }));
      const outcome = await sm.waitForRotation(name, { timeoutMs: 30_000 });
      expect(outcome).toMatchObject(expected);
      if (expected.status === 'failed') {
        expect(outcome.error).toEqual({ name: 'Error', message: 'failing setSecret on purpose' });
      }
    }
    expect(logs.filter((line) => line.includes('step createSecret'))).toHaveLength(2);
  });
});

describe('a sandbox whose parent dies', () => {
  const dist = join(HERE, '..', 'dist', 'index.js');
  const [runtime] = lambdaRuntimes();

  it('is killed by the watchdog when the process that started it is SIGKILLed', async () => {
    expect(existsSync(dist), `${dist} is missing: run pnpm build first`).toBe(true);
    const work = mkdtempSync(join(tmpdir(), 'rotakit-sandbox-parent-'));
    const pidFile = join(work, 'sandbox.pid');
    // The parent: a local Secrets Manager whose rotation function never finishes a step.
    const source = `
      import { startSecretsManager } from ${JSON.stringify(dist)};
      import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
      const sm = await startSecretsManager();
      sm.registerRotationFunction('${ARN}', {
        codeDirectory: ${JSON.stringify(FIXTURE)}, handler: 'index.handler',
        runtimeClient: ${JSON.stringify(runtime?.runtimeClient)},
        nodeExecutable: ${JSON.stringify(runtime?.nodeExecutable)},
        environment: { PID_FILE: ${JSON.stringify(pidFile)} }, logSink: () => {},
      });
      const client = sm.client();
      await client.send(new CreateSecretCommand({ Name: 'parent-dies', SecretString: '{}' }));
      await client.send(new RotateSecretCommand({ SecretId: 'parent-dies', RotationLambdaARN: '${ARN}' }));
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: HERE,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    parent.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    try {
      let sandboxPid: number | undefined;
      for (let i = 0; i < 300 && sandboxPid === undefined; i++) {
        if (existsSync(pidFile)) sandboxPid = Number(readFileSync(pidFile, 'utf8'));
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(sandboxPid, `the sandbox never started: ${stderr}`).toBeGreaterThan(0);
      expect(isAlive(sandboxPid as number)).toBe(true);
      parent.kill('SIGKILL');
      await waitUntilGone(sandboxPid as number);
      expect(isAlive(sandboxPid as number)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('registering an artifact over /_local and from the CLI', () => {
  const [runtime] = lambdaRuntimes() as [LambdaRuntime];

  async function rotateOnce(sm: SecretsManagerLocal, arn: string): Promise<RotationOutcome> {
    const client = sm.client({ maxAttempts: 1 });
    const name = uniqueName('lambda');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: '{}' }));
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: arn }));
    return sm.waitForRotation(name, { timeoutMs: 30_000 });
  }

  it('POST /_local/rotation-functions takes a codeDirectory and handler', async () => {
    await using sm = await startSecretsManager();
    const register = (body: unknown) =>
      fetch(`${sm.endpoint}/_local/rotation-functions`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
    const definition = {
      arn: ARN,
      codeDirectory: FIXTURE,
      handler: 'index.handler',
      environment: { FAIL_STEP: 'finishSecret' },
      runtimeClient: runtime.runtimeClient,
      nodeExecutable: runtime.nodeExecutable,
      timeoutMs: 20_000,
    };
    expect((await register(definition)).status).toBe(200);
    expect(await rotateOnce(sm, ARN)).toMatchObject({
      status: 'failed',
      failedStep: 'finishSecret',
    });
    const refused = await register({ ...definition, handler: 'no-export' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'InvalidOptionError' });
    const reserved = await register({ ...definition, environment: { AWS_REGION: 'eu-west-1' } });
    expect(await reserved.json()).toMatchObject({
      message: expect.stringMatching(/AWS_REGION is reserved/),
    });
  });

  it('--rotation-function-code with --function-env, --runtime-client and --function-node', async () => {
    const argv = [
      '--port',
      '0',
      '--rotation-function-code',
      `${ARN}=${FIXTURE}:index.handler`,
      '--rotation-function-code',
      `${ARN}-default-handler=${FIXTURE}`,
      '--function-env',
      'FAIL_STEP=testSecret',
      '--function-memory-mb',
      '512',
      '--runtime-client',
      runtime.runtimeClient,
      '--function-node',
      runtime.nodeExecutable,
    ];
    expect(parseCliArgs(argv).rotationFunctions).toEqual({
      [ARN]: {
        codeDirectory: FIXTURE,
        handler: 'index.handler',
        environment: { FAIL_STEP: 'testSecret' },
        memorySizeMb: 512,
        runtimeClient: runtime.runtimeClient,
        nodeExecutable: runtime.nodeExecutable,
      },
      [`${ARN}-default-handler`]: expect.objectContaining({
        codeDirectory: FIXTURE,
        handler: 'index.handler',
      }),
    });
    await using sm = await startFromArgs(argv);
    expect(await rotateOnce(sm, ARN)).toMatchObject({ status: 'failed', failedStep: 'testSecret' });
  });
});
