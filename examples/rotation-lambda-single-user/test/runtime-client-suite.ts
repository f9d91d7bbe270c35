// The built bundle as Lambda runs it: registered with the local Secrets Manager by its
// deployment artifact (a /var/task-like folder, handler index.handler), run in a warm child
// process under the real runtime interface client (aws-lambda-ric 3.3.0 on Node 20 and
// 4.0.2 on Node 22), rotated through RotateSecret by the real SDK on the test MariaDB, with
// database faults put in by a loopback proxy in front of it. Shared by both examples.
import {
  GetSecretValueCommand,
  InvalidRequestException,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  type LambdaFunctionDefinition,
  type RotationOutcome,
  type SecretsManagerLocal,
  startSecretsManager,
} from '@rotakit/secrets-manager-local';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LambdaRuntime,
  lambdaRuntimes,
} from '../../../packages/secrets-manager-local/test/lambda-runtimes.js';
import { type DatabaseProxy, startDatabaseProxy } from './database-proxy.js';
import { prepareTaskDirectory } from './lambda-harness.js';
import {
  createSecret,
  loginWith,
  loginWithPostgres,
  rotate,
  type SecretJson,
  secretValue,
} from './secrets.js';

/**
 * Shorter than setSecret takes against a database that never answers (5 s connect timeout),
 * long enough for each step against one that does (rotation-core keeps 4 s in reserve).
 */
const SHORT_TIMEOUT_MS = 8_000;
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

export interface RuntimeClientSuiteOptions {
  readonly exampleDir: string;
  /** Lambda function name, e.g. `rotakit-single-user`. */
  readonly functionName: string;
  /** True when the previous credentials keep logging in after a rotation. */
  readonly previousStaysValid: boolean;
  /**
   * Called once per runtime client, after the local Secrets Manager started; returns a
   * factory of new secret values whose database address is `at`. Adds every password it
   * makes to `passwords` (the logs are checked for them).
   */
  prepare(
    client: SecretsManagerClient,
    passwords: string[],
  ): Promise<(at: { host: string; port: number }) => Promise<SecretJson>>;
  /**
   * Like `prepare`, for a PostgreSQL secret on the test PostgreSQL: the same bundle rotates
   * both engines (the driver comes from the secret's `engine`).
   */
  preparePostgres(
    client: SecretsManagerClient,
    passwords: string[],
  ): Promise<() => Promise<SecretJson>>;
}

export function describeUnderRuntimeClients(options: RuntimeClientSuiteOptions): void {
  describe.each(lambdaRuntimes())(
    `${options.functionName} under $name`,
    { timeout: 120_000 },
    (runtime: LambdaRuntime) => defineSuite(options, runtime),
  );
}

function defineSuite(options: RuntimeClientSuiteOptions, runtime: LambdaRuntime): void {
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:${options.functionName}`;
  const shortArn = `${arn}-short-timeout`;
  const server = testMysql();
  const logs: string[] = [];
  const passwords: string[] = [];
  let sm: SecretsManagerLocal;
  let client: SecretsManagerClient;
  let proxy: DatabaseProxy;
  let task: ReturnType<typeof prepareTaskDirectory> | undefined;
  let newSecretValue: Awaited<ReturnType<RuntimeClientSuiteOptions['prepare']>>;
  let newPostgresSecretValue: Awaited<ReturnType<RuntimeClientSuiteOptions['preparePostgres']>>;

  beforeAll(async () => {
    sm = await startSecretsManager();
    client = sm.client({ maxAttempts: 1 });
    proxy = await startDatabaseProxy(server);
    task = prepareTaskDirectory(options.exampleDir);
    const definition = (timeoutMs: number): LambdaFunctionDefinition => ({
      codeDirectory: (task as { dir: string }).dir,
      handler: 'index.handler',
      environment: {
        SECRETS_MANAGER_ENDPOINT: sm.endpoint,
        EXCLUDE_CHARACTERS: '/@"\'\\',
        PASSWORD_LENGTH: '32',
      },
      timeoutMs,
      memorySizeMb: 256,
      runtimeClient: runtime.runtimeClient,
      nodeExecutable: runtime.nodeExecutable,
      logSink: (entry) => logs.push(entry.message),
    });
    sm.registerRotationFunction(arn, definition(60_000));
    sm.registerRotationFunction(shortArn, definition(SHORT_TIMEOUT_MS));
    newSecretValue = await options.prepare(client, passwords);
    newPostgresSecretValue = await options.preparePostgres(client, passwords);
  });

  afterAll(async () => {
    await sm?.close();
    await proxy?.close();
    task?.remove();
  });

  /** The secret as the database itself sees it (not through the proxy). */
  const direct = (value: SecretJson): SecretJson => ({ ...value, port: server.port });

  async function versionOf(name: string, stage: string): Promise<string | undefined> {
    const value = await client.send(
      new GetSecretValueCommand({ SecretId: name, VersionStage: stage }),
    );
    return value.VersionId;
  }

  function expectFailedAt(outcome: RotationOutcome, step: string): void {
    expect(outcome.status, JSON.stringify(outcome)).toBe('failed');
    expect(outcome.failedStep, JSON.stringify(outcome.error)).toBe(step);
    // The failing invocation is an error, and no later step ran.
    expect(outcome.steps.map((s) => [s.step, s.status])).toEqual([
      ...STEPS.slice(0, STEPS.indexOf(step)).map((s) => [s, 'succeeded']),
      [step, 'failed'],
    ]);
  }

  /**
   * The fault from the setSecret step on: decided for each connection, it is the one that
   * arrives once the local service has recorded createSecret's success (alternating users'
   * createSecret logs in too), before setSecret is invoked.
   */
  function faultFromSetSecret(
    name: string,
    fault: 'reset' | 'stall',
  ): () => 'forward' | typeof fault {
    return () => {
      const steps = sm.rotations(name).at(-1)?.steps ?? [];
      return steps.some((s) => s.step === 'createSecret') ? fault : 'forward';
    };
  }

  /** RotateSecret again is refused while AWSPENDING is stuck; the service's retry finishes it. */
  async function expectRetryCompletes(name: string, before: SecretJson): Promise<void> {
    await expect(
      client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: arn })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    const retried = await sm.retryRotation(name);
    expect(retried.status, JSON.stringify(retried.error)).toBe('succeeded');
    expect(retried.steps.map((s) => s.step)).toEqual(STEPS);
    const after = await secretValue(client, name);
    passwords.push(String(after.password));
    expect(after.password).not.toBe(before.password);
    expect(await loginWith(after)).toEqual({ ok: true });
  }

  it('rotates five times through RotateSecret; each new AWSCURRENT logs in', async () => {
    const value = await newSecretValue(server);
    const { name } = await createSecret(client, value);
    let previous = value;
    for (let i = 0; i < 5; i++) {
      const outcome = await rotate(sm, client, name, arn);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      expect(outcome.steps.map((s) => s.step)).toEqual(STEPS);
      const current = await secretValue(client, name);
      passwords.push(String(current.password));
      expect(current.password).not.toBe(previous.password);
      expect(await loginWith(current)).toEqual({ ok: true });
      expect(await secretValue(client, name, 'AWSPREVIOUS')).toEqual(previous);
      if (options.previousStaysValid) expect(await loginWith(previous)).toEqual({ ok: true });
      else expect(await loginWith(previous)).toMatchObject({ ok: false, errno: 1045 });
      previous = current;
    }
  });

  it('the database resetting connections: setSecret fails, AWSCURRENT stays and logs in; a retry completes', async () => {
    const value = await newSecretValue(proxy);
    const { name } = await createSecret(client, value);
    const currentVersion = await versionOf(name, 'AWSCURRENT');
    proxy.mode = faultFromSetSecret(name, 'reset');
    const outcome = await rotate(sm, client, name, arn);
    proxy.mode = 'forward';
    expectFailedAt(outcome, 'setSecret');
    // Reported as the network fault it is, not as bad credentials.
    expect(outcome.error?.name).toBe('DatabaseLoginError');
    expect(outcome.error?.message).toMatch(/the connection was lost \(ECONNRESET\)/);
    expect(proxy.connections.reset).toBeGreaterThan(0);
    expect(await versionOf(name, 'AWSCURRENT')).toBe(currentVersion);
    expect(await loginWith(direct(await secretValue(client, name)))).toEqual({ ok: true });
    await expectRetryCompletes(name, value);
  });

  it('a function timeout shorter than setSecret: the step fails, AWSCURRENT stays and logs in; a retry completes', async () => {
    const value = await newSecretValue(proxy);
    const { name } = await createSecret(client, value);
    const currentVersion = await versionOf(name, 'AWSCURRENT');
    proxy.mode = faultFromSetSecret(name, 'stall');
    const outcome = await rotate(sm, client, name, shortArn);
    proxy.mode = 'forward';
    expectFailedAt(outcome, 'setSecret');
    // rotation-core keeps 4 s of the deadline in reserve and ends the step itself with a
    // clear error before Lambda would kill it ("Task timed out"; see the sandbox tests).
    expect(outcome.error?.name).toBe('TimeBudgetExceededError');
    expect(outcome.error?.message).toMatch(/Out of time .*ms of the Lambda's time left/);
    expect(await versionOf(name, 'AWSCURRENT')).toBe(currentVersion);
    expect(await loginWith(direct(await secretValue(client, name)))).toEqual({ ok: true });
    await expectRetryCompletes(name, value);
  });

  it('rotates a PostgreSQL secret three times with the same bundle; each new AWSCURRENT logs in', async () => {
    const value = await newPostgresSecretValue();
    const { name } = await createSecret(client, value);
    let previous = value;
    for (let i = 0; i < 3; i++) {
      const outcome = await rotate(sm, client, name, arn);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      expect(outcome.steps.map((s) => s.step)).toEqual(STEPS);
      const current = await secretValue(client, name);
      passwords.push(String(current.password));
      expect(current).toMatchObject({ engine: 'postgres' });
      expect(current.password).not.toBe(previous.password);
      expect(await loginWithPostgres(current)).toEqual({ ok: true });
      if (options.previousStaysValid)
        expect(await loginWithPostgres(previous)).toEqual({ ok: true });
      else
        expect(await loginWithPostgres(previous)).toMatchObject({ ok: false, sqlState: '28P01' });
      previous = current;
    }
  });

  it('logs through the log sink, and never a password', () => {
    expect(logs.some((line) => line.includes(`"service":"${options.functionName}"`))).toBe(true);
    expect(passwords.length).toBeGreaterThan(5);
    const output = logs.join('\n');
    for (const password of passwords) expect(output).not.toContain(password);
  });
}
