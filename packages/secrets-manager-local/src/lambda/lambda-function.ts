import { randomBytes, randomUUID } from 'node:crypto';
import type { ResolvedLambdaFunction } from './definition.js';
import { type InvocationResult, Sandbox, type SandboxIdentity } from './sandbox.js';

export interface InvokeRequest {
  /** The event; sent as JSON. */
  readonly event: unknown;
  readonly timeoutMs: number;
}

/**
 * A function registered by its deployment artifact. It keeps one warm sandbox and runs one
 * invocation at a time (concurrent invocations queue; Lambda would start more sandboxes).
 */
export class LambdaFunction {
  readonly #arn: string;
  readonly #fn: ResolvedLambdaFunction;
  readonly #identity: () => SandboxIdentity;
  #sandbox: Promise<Sandbox> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(arn: string, fn: ResolvedLambdaFunction, identity: () => SandboxIdentity) {
    this.#arn = arn;
    this.#fn = fn;
    this.#identity = identity;
  }

  /** The function's own timeout, when its definition has one. */
  get timeoutMs(): number | undefined {
    return this.#fn.timeoutMs;
  }

  invoke(request: InvokeRequest): Promise<InvocationResult> {
    const run = this.#queue.then(() => this.#invokeNow(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Kills the sandbox; later invocations fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const sandbox = this.#sandbox;
    this.#sandbox = undefined;
    await (await sandbox?.catch(() => undefined))?.kill();
  }

  async #invokeNow(request: InvokeRequest): Promise<InvocationResult> {
    if (this.#closed) {
      return {
        ok: false,
        error: { errorType: 'ServiceException', errorMessage: 'The function was unregistered' },
        sandboxLost: false,
      };
    }
    const sandbox = await this.#warmSandbox();
    const result = await sandbox.invoke({
      requestId: randomUUID(),
      payload: JSON.stringify(request.event),
      invokedFunctionArn: this.#arn,
      traceId: traceId(),
      timeoutMs: request.timeoutMs,
    });
    if (!sandbox.usable) {
      // A timed-out or crashed sandbox is replaced at the next invocation (a cold start).
      this.#sandbox = undefined;
      await sandbox.kill();
    }
    return result;
  }

  #warmSandbox(): Promise<Sandbox> {
    if (this.#sandbox === undefined) {
      const starting = Sandbox.start(this.#fn, this.#identity());
      // A sandbox that could not start is not kept: the next invocation tries again.
      starting.catch(() => {
        if (this.#sandbox === starting) this.#sandbox = undefined;
      });
      this.#sandbox = starting;
    }
    return this.#sandbox;
  }
}

/** An X-Ray trace header as Lambda passes it: `Root=1-<epoch hex>-<24 hex>;...`. */
function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
