// Crash safety, for any engine: stop the handler at every boundary (before and after each
// Secrets Manager call and each SQL statement, in every step), let the service retry, and
// check that nobody is ever locked out and that the rotation ends clean.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type {
  RotationOutcome,
  RotationStep,
  SecretsManagerLocal,
} from '@rotakit/secrets-manager-local';
import { expect } from 'vitest';
import type { RotationHandler } from '../src/handler.js';
import type { RotationBoundary, RotationHandlerOptions, RotationStrategy } from '../src/options.js';
import { FUNCTION_ARN, labels, rotate, secretValue, stagesOf, testHandler } from './stack.js';

/** What the harness needs of an engine. */
export interface CrashEngine {
  /** A new user's secret (with `extra: 'kept'`, and `masterarn` for alternating users). */
  newSecret(strategy: RotationStrategy): Promise<string>;
  /** Whether a secret value's credentials log in. */
  logsIn(value: Record<string, unknown> | undefined): Promise<boolean>;
  /** The handler's database driver and TLS settings. */
  handlerOptions: Partial<RotationHandlerOptions>;
}

/** Setup before the rotation under test (e.g. one rotation, so the other user exists). */
export type Prepare = (name: string, arn: string) => Promise<void>;

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** What the hook does at each boundary of the registered handler. */
interface Probe {
  onBoundary(boundary: RotationBoundary): Promise<void>;
}

export class CrashHarness {
  readonly #handlers: RotationHandler[] = [];

  constructor(
    private readonly sm: SecretsManagerLocal,
    private readonly client: SecretsManagerClient,
    private readonly engine: CrashEngine,
  ) {}

  async close(): Promise<void> {
    for (const handler of this.#handlers) await handler.close();
  }

  #register(strategy: RotationStrategy, probe: { current: Probe | undefined }) {
    const arn = FUNCTION_ARN(`crash-${strategy}-${this.#handlers.length}-${Date.now()}`);
    const { handler } = testHandler(this.client, {
      strategy,
      ...this.engine.handlerOptions,
      hooks: { onBoundary: (boundary) => probe.current?.onBoundary(boundary) },
    });
    this.#handlers.push(handler);
    this.sm.registerRotationFunction(arn, handler);
    return { arn, handler };
  }

  /** AWSCURRENT logs in, or else AWSPENDING does. */
  async #someoneLogsIn(name: string): Promise<boolean> {
    if (await this.engine.logsIn(await secretValue(this.client, name))) return true;
    return this.engine.logsIn(await secretValue(this.client, name, { stage: 'AWSPENDING' }));
  }

  /** One successful rotation (for a Prepare). */
  readonly oneRotation: Prepare = async (name, arn) => {
    const outcome = await rotate(this.sm, this.client, name, arn);
    if (outcome.status !== 'succeeded') {
      throw new Error(`setup rotation failed: ${outcome.error?.message}`);
    }
  };

  /**
   * The service's retry: RotateSecret's automatic retry of the whole rotation when
   * AWSPENDING is stuck; when the failed step left nothing pending (it had finished its
   * work), Lambda's retry of that same event.
   */
  async #serviceRetry(name: string, failed: RotationOutcome, handler: RotationHandler) {
    const stages = labels(await stagesOf(this.client, name));
    if (stages.AWSPENDING !== undefined && stages.AWSPENDING !== stages.AWSCURRENT) {
      const outcome = await this.sm.retryRotation(name);
      if (outcome.status !== 'succeeded') {
        throw new Error(`retry failed at ${outcome.failedStep}: ${outcome.error?.message}`);
      }
      return;
    }
    const from = STEPS.indexOf(failed.failedStep as RotationStep);
    for (const step of STEPS.slice(from)) {
      await handler(
        { Step: step, SecretId: failed.secretArn, ClientRequestToken: failed.token },
        { getRemainingTimeInMillis: () => 30_000 },
      );
    }
  }

  /** The boundaries of one clean rotation, in order. */
  async recordBoundaries(strategy: RotationStrategy, prepare: Prepare): Promise<string[]> {
    const probe: { current: Probe | undefined } = { current: undefined };
    const { arn } = this.#register(strategy, probe);
    const name = await this.engine.newSecret(strategy);
    await prepare(name, arn);
    const seen: string[] = [];
    probe.current = { onBoundary: async (b) => void seen.push(b.name) };
    const outcome = await rotate(this.sm, this.client, name, arn);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    return seen;
  }

  /**
   * Crashes a rotation at each boundary `select` keeps of a clean rotation's (every one by
   * default), lets the service retry, and lists what went wrong.
   */
  async injectEverywhere(
    strategy: RotationStrategy,
    prepare: Prepare,
    select: (boundaries: string[]) => string[] = (all) => all,
  ): Promise<{ boundaries: string[]; injected: string[]; problems: string[] }> {
    const boundaries = await this.recordBoundaries(strategy, prepare);
    const probe: { current: Probe | undefined } = { current: undefined };
    const { arn, handler } = this.#register(strategy, probe);
    const problems: string[] = [];
    const injected = select(boundaries);
    for (const target of injected) {
      const problem = await this.#crashAt(target, strategy, prepare, { arn, handler, probe });
      if (problem) problems.push(`${target}: ${problem}`);
    }
    return { boundaries, injected, problems };
  }

  async #crashAt(
    target: string,
    strategy: RotationStrategy,
    prepare: Prepare,
    run: { arn: string; handler: RotationHandler; probe: { current: Probe | undefined } },
  ): Promise<string | undefined> {
    const { arn, handler, probe } = run;
    const name = await this.engine.newSecret(strategy);
    probe.current = undefined;
    await prepare(name, arn);
    const original = await secretValue(this.client, name);
    let injected = false;
    const lockouts: string[] = [];
    probe.current = {
      onBoundary: async (b) => {
        if (!(await this.#someoneLogsIn(name))) lockouts.push(`locked out at ${b.name}`);
        if (!injected && b.name === target) {
          injected = true;
          throw new Error(`injected crash at ${target}`);
        }
      },
    };
    const failed = await rotate(this.sm, this.client, name, arn);
    if (lockouts.length > 0) return lockouts.join('; ');
    if (!injected) return 'boundary never reached';
    // The step fails with the injected error, or with one that wraps it (PostgreSQL's account
    // sync reports a failed statement as a DatabaseError naming it).
    if (
      failed.status !== 'failed' ||
      !failed.error?.message.includes(`injected crash at ${target}`)
    ) {
      return `expected the injected failure, got ${failed.status} ${failed.error?.message}`;
    }
    try {
      await this.#serviceRetry(name, failed, handler);
    } catch (error) {
      return (error as Error).message;
    }
    probe.current = undefined;
    return this.#checkClean(name, failed.token, original);
  }

  async #checkClean(
    name: string,
    token: string,
    original: Record<string, unknown> | undefined,
  ): Promise<string | undefined> {
    const after = labels(await stagesOf(this.client, name));
    if (after.AWSCURRENT !== token) return 'AWSCURRENT is not the new version';
    if (after.AWSPENDING !== undefined) return `AWSPENDING left on ${after.AWSPENDING}`;
    const current = await secretValue(this.client, name);
    if (!(await this.engine.logsIn(current))) return 'AWSCURRENT does not log in';
    if (current?.extra !== 'kept') return 'unknown key lost';
    const previous = await secretValue(this.client, name, { stage: 'AWSPREVIOUS' });
    if (JSON.stringify(previous) !== JSON.stringify(original)) {
      return 'AWSPREVIOUS is not the old value';
    }
    return undefined;
  }
}
