import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { ROTATION_STEPS, type RotationEvent, type RotationStep } from '@rotakit/core';
import { InvalidOptionError, ServerClosedError, WaitTimeoutError } from './errors.js';
import {
  isLambdaFunctionDefinition,
  type LambdaFunctionDefinition,
  resolveLambdaFunction,
} from './lambda/definition.js';
import { LambdaFunction } from './lambda/lambda-function.js';

export type { RotationEvent, RotationStep };

/** Lambda-compatible invocation context handed to in-process rotation handlers. */
export interface RotationContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  done(error?: Error | string | null, result?: unknown): void;
  fail(error: Error | string): void;
  succeed(messageOrObject?: unknown): void;
}

export type RotationCallback = (error?: Error | string | null, result?: unknown) => void;

/**
 * An in-process rotation function with the Lambda handler signature. Return a promise, or
 * take the third `callback` argument and call it. (Not rotation-core's `RotationHandler`,
 * which is one such function.)
 */
export type InProcessRotationFunction = (
  event: RotationEvent,
  context: RotationContext,
  callback: RotationCallback,
) => unknown;

/**
 * What a RotationLambdaARN maps to: a deployment artifact run under the real Lambda runtime
 * interface client (the Lambda-faithful way), an in-process handler, or the URL of a
 * loopback HTTP endpoint that receives the event as a JSON POST (2xx = success).
 */
export type RotationFunction = LambdaFunctionDefinition | InProcessRotationFunction | string | URL;

export interface RotationFunctionOptions {
  /** Like the Lambda function timeout. @default the server's `rotationTimeoutMs` (30 000) */
  readonly timeoutMs?: number | undefined;
}

export interface RotationStepResult {
  readonly step: RotationStep;
  readonly status: 'succeeded' | 'failed';
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly durationMs: number;
  readonly error?: RotationErrorInfo;
}

export interface RotationErrorInfo {
  /** The thrown error's `name` (or Lambda's `errorType`); `Sandbox.Timedout` on timeout. */
  readonly name: string;
  readonly message: string;
}

export type RotationStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One rotation attempt of one secret, as recorded by the local service. */
export interface RotationOutcome {
  readonly secretArn: string;
  readonly secretName: string;
  /** The ClientRequestToken: the VersionId of the AWSPENDING version. */
  readonly token: string;
  readonly rotationLambdaArn: string;
  readonly trigger: 'RotateSecret' | 'schedule' | 'retry';
  /** False when RotateSecret had RotateImmediately=false: only testSecret runs. */
  readonly rotateImmediately: boolean;
  /** 1 for the first attempt with this token, 2 for its first retry, and so on. */
  readonly attempt: number;
  readonly status: RotationStatus;
  readonly steps: readonly RotationStepResult[];
  readonly failedStep?: RotationStep;
  readonly error?: RotationErrorInfo;
  readonly startedAt: Date;
  readonly endedAt?: Date;
  readonly durationMs?: number;
}

export interface WaitForRotationOptions {
  /** Wait for the rotation with this ClientRequestToken instead of the latest one. */
  readonly token?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Rejects with `WaitTimeoutError` after this long. @default no timeout */
  readonly timeoutMs?: number | undefined;
}

interface Registered {
  readonly target: InProcessRotationFunction | URL | LambdaFunction;
  readonly timeoutMs: number | undefined;
}

interface RunRecord {
  readonly secretArn: string;
  readonly secretName: string;
  readonly token: string;
  readonly rotationLambdaArn: string;
  readonly trigger: RotationOutcome['trigger'];
  readonly rotateImmediately: boolean;
  readonly attempt: number;
  status: RotationStatus;
  readonly steps: RotationStepResult[];
  failedStep?: RotationStep;
  error?: RotationErrorInfo;
  readonly startedAt: number;
  endedAt?: number;
  cancelled: boolean;
}

export interface StartRotation {
  readonly secretArn: string;
  readonly secretName: string;
  readonly token: string;
  readonly rotationLambdaArn: string;
  readonly rotateImmediately: boolean;
  readonly trigger: RotationOutcome['trigger'];
}

export interface RunnerHooks {
  /** After finishSecret succeeded: the service sets LastRotatedDate. */
  onSucceeded(secretArn: string, token: string): void;
  /** After a test-only run (RotateImmediately=false): the service removes the pending version. */
  onTestOnlyDone(secretArn: string, token: string): void;
  /** Region and endpoint that functions run as artifacts are told (once the server listens). */
  service(): { readonly region: string; readonly endpoint: string };
}

/**
 * A failed step as the function reported it. Its `name` is the function's error type
 * (`Sandbox.Timedout`, `ResourceNotFoundException`, ...), data rather than a class name.
 */
class RotationStepError extends Error {
  override readonly name: string;
  constructor(message: string, context: { readonly errorType: string }) {
    super(message);
    this.name = context.errorType;
  }

  static of(errorType: string, message: string): RotationStepError {
    return new RotationStepError(message, { errorType });
  }
}

/** Runs the four rotation steps against registered functions and records every attempt. */
export class RotationRunner {
  readonly #functions = new Map<string, Registered>();
  readonly #history = new Map<string, RunRecord[]>();
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #defaultTimeoutMs: number;
  readonly #hooks: RunnerHooks;
  #closed = false;

  constructor(defaultTimeoutMs: number, hooks: RunnerHooks) {
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#hooks = hooks;
  }

  register(arn: string, fn: RotationFunction, options: RotationFunctionOptions = {}): void {
    if (typeof arn !== 'string' || arn.length === 0 || arn.length > 2048) {
      throw InvalidOptionError.of(
        'rotationLambdaArn',
        'expected a non-empty ARN string of at most 2048 characters',
      );
    }
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw InvalidOptionError.of('timeoutMs', 'expected a positive number of milliseconds');
    }
    const target = isLambdaFunctionDefinition(fn)
      ? new LambdaFunction(arn, resolveLambdaFunction(fn), () => this.#sandboxIdentity(arn))
      : toTarget(fn);
    this.#retire(arn);
    this.#functions.set(arn, { target, timeoutMs });
  }

  unregister(arn: string): boolean {
    this.#retire(arn);
    return this.#functions.delete(arn);
  }

  /** Stops the sandbox of a function being replaced or removed. */
  #retire(arn: string): void {
    const target = this.#functions.get(arn)?.target;
    if (target instanceof LambdaFunction) void target.close();
  }

  #sandboxIdentity(arn: string) {
    const { region, endpoint } = this.#hooks.service();
    return { functionName: functionNameOf(arn), region, serviceEndpoint: endpoint };
  }

  has(arn: string): boolean {
    return this.#functions.has(arn);
  }

  isRunning(secretArn: string): boolean {
    return this.#history.get(secretArn)?.at(-1)?.status === 'running';
  }

  attempts(secretArn: string, token: string): number {
    return this.#history.get(secretArn)?.filter((r) => r.token === token).length ?? 0;
  }

  start(request: StartRotation): RotationOutcome {
    if (this.#closed) throw ServerClosedError.of('rotation');
    const record: RunRecord = {
      ...request,
      attempt: this.attempts(request.secretArn, request.token) + 1,
      status: 'running',
      steps: [],
      startedAt: Date.now(),
      cancelled: false,
    };
    let history = this.#history.get(request.secretArn);
    if (history === undefined) {
      history = [];
      this.#history.set(request.secretArn, history);
    }
    history.push(record);
    this.#notify(request.secretArn);
    void this.#run(record);
    return snapshot(record);
  }

  /** CancelRotateSecret: no further steps run for the secret's running rotation. */
  cancel(secretArn: string): void {
    const latest = this.#history.get(secretArn)?.at(-1);
    if (latest?.status === 'running') latest.cancelled = true;
  }

  history(secretArn: string): RotationOutcome[] {
    return (this.#history.get(secretArn) ?? []).map(snapshot);
  }

  /** Forgets every record; running rotations stop after their current step. */
  reset(): void {
    for (const history of this.#history.values()) {
      for (const record of history) record.cancelled = true;
    }
    this.#history.clear();
    for (const secretArn of this.#listeners.keys()) this.#notify(secretArn);
  }

  /** Ends every wait and kills the sandboxes of functions run as artifacts. */
  async close(): Promise<void> {
    this.#closed = true;
    // reset() notifies every waiter, which rejects now that #closed is set.
    this.reset();
    const sandboxes = [...this.#functions.values()].map(({ target }) =>
      target instanceof LambdaFunction ? target.close() : undefined,
    );
    await Promise.all(sandboxes);
  }

  wait(
    secretArn: string,
    secretId: string,
    options: WaitForRotationOptions = {},
  ): Promise<RotationOutcome> {
    const { token, signal, timeoutMs } = options;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      return Promise.reject(
        InvalidOptionError.of('timeoutMs', 'expected a number of milliseconds >= 0'),
      );
    }
    const pickTarget = (): RunRecord | undefined => {
      const history = this.#history.get(secretArn);
      if (history === undefined) return undefined;
      if (token === undefined) return history.at(-1);
      return history.findLast((r) => r.token === token);
    };
    // The rotation current at call time is the one waited for; with none, the next one.
    let target = pickTarget();
    if (target !== undefined && target.status !== 'running')
      return Promise.resolve(snapshot(target));
    if (this.#closed) return Promise.reject(ServerClosedError.of('waitForRotation'));
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<RotationOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const listeners = this.#listenersOf(secretArn);
      const cleanup = () => {
        listeners.delete(check);
        if (listeners.size === 0) this.#listeners.delete(secretArn);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      function onAbort() {
        cleanup();
        reject(signal?.reason);
      }
      const check = () => {
        if (this.#closed) {
          cleanup();
          reject(ServerClosedError.of('waitForRotation'));
          return;
        }
        target ??= pickTarget();
        if (target !== undefined && target.status !== 'running') {
          cleanup();
          resolve(snapshot(target));
        }
      };
      listeners.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(WaitTimeoutError.of(secretId, timeoutMs));
        }, timeoutMs);
      }
    });
  }

  #listenersOf(secretArn: string): Set<() => void> {
    let set = this.#listeners.get(secretArn);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(secretArn, set);
    }
    return set;
  }

  #notify(secretArn: string): void {
    const set = this.#listeners.get(secretArn);
    if (set === undefined) return;
    for (const listener of [...set]) listener();
  }

  async #run(record: RunRecord): Promise<void> {
    // Let RotateSecret answer before the first step, as the service invokes asynchronously.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const steps = record.rotateImmediately ? ROTATION_STEPS : (['testSecret'] as const);
    for (const step of steps) {
      if (record.cancelled || this.#closed) {
        record.status = 'cancelled';
        break;
      }
      const startedAt = Date.now();
      const started = performance.now();
      try {
        await this.#invoke(record, step);
        record.steps.push({
          step,
          status: 'succeeded',
          startedAt: new Date(startedAt),
          endedAt: new Date(),
          durationMs: performance.now() - started,
        });
      } catch (cause) {
        const error = errorInfo(cause);
        record.steps.push({
          step,
          status: 'failed',
          startedAt: new Date(startedAt),
          endedAt: new Date(),
          durationMs: performance.now() - started,
          error,
        });
        record.status = 'failed';
        record.failedStep = step;
        record.error = error;
        break;
      }
    }
    if (record.status === 'running') record.status = record.cancelled ? 'cancelled' : 'succeeded';
    try {
      if (!record.cancelled && !this.#closed) {
        if (!record.rotateImmediately) this.#hooks.onTestOnlyDone(record.secretArn, record.token);
        else if (record.status === 'succeeded')
          this.#hooks.onSucceeded(record.secretArn, record.token);
      }
    } catch {
      // The secret was deleted or the state reset while the rotation ran: nothing to record on it.
    }
    record.endedAt = Date.now();
    this.#notify(record.secretArn);
  }

  async #invoke(record: RunRecord, step: RotationStep): Promise<void> {
    const fn = this.#functions.get(record.rotationLambdaArn);
    if (fn === undefined) {
      throw RotationStepError.of(
        'ResourceNotFoundException',
        `Function not found: ${record.rotationLambdaArn} (no rotation function is registered for it)`,
      );
    }
    const event: RotationEvent = {
      Step: step,
      SecretId: record.secretArn,
      ClientRequestToken: record.token,
      RotationToken: randomUUID(),
    };
    if (fn.target instanceof LambdaFunction) {
      const timeoutMs = fn.target.timeoutMs ?? fn.timeoutMs ?? this.#defaultTimeoutMs;
      await invokeArtifact(fn.target, event, timeoutMs);
      return;
    }
    const timeoutMs = fn.timeoutMs ?? this.#defaultTimeoutMs;
    if (fn.target instanceof URL) await invokeUrl(fn.target, event, timeoutMs);
    else await invokeHandler(fn.target, record.rotationLambdaArn, event, timeoutMs);
  }
}

async function invokeArtifact(
  fn: LambdaFunction,
  event: RotationEvent,
  timeoutMs: number,
): Promise<void> {
  const result = await fn.invoke({ event, timeoutMs });
  if (!result.ok) throw RotationStepError.of(result.error.errorType, result.error.errorMessage);
}

function toTarget(fn: RotationFunction): InProcessRotationFunction | URL {
  if (typeof fn === 'function') return fn;
  let url: URL;
  try {
    url = fn instanceof URL ? new URL(fn.href) : new URL(fn);
  } catch (cause) {
    throw InvalidOptionError.of(
      'rotationFunction',
      'expected a handler function or an http(s) URL',
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw InvalidOptionError.of('rotationFunction', `expected an http(s) URL, got ${url.protocol}`);
  }
  if (!isLoopback(url.hostname)) {
    throw InvalidOptionError.of(
      'rotationFunction',
      `invoke URLs must point at a loopback address (127.x, ::1, localhost), got ${url.hostname}`,
    );
  }
  return url;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function functionNameOf(arn: string): string {
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  const parts = arn.split(':');
  return parts[5] === 'function' && parts[6] ? parts[6] : arn;
}

function errorInfo(cause: unknown): RotationErrorInfo {
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  if (typeof cause === 'string') return { name: 'Error', message: cause };
  return { name: 'Error', message: 'The rotation function failed with a non-Error value' };
}

function timedOut(timeoutMs: number): RotationStepError {
  return RotationStepError.of(
    'Sandbox.Timedout',
    `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  );
}

function invokeHandler(
  handler: InProcessRotationFunction,
  arn: string,
  event: RotationEvent,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined || error === null) resolve();
      else reject(typeof error === 'string' ? RotationStepError.of('Error', error) : error);
    };
    const timer = setTimeout(() => finish(timedOut(timeoutMs)), timeoutMs);
    const functionName = functionNameOf(arn);
    const requestId = randomUUID();
    const callback: RotationCallback = (error) => finish(error ?? undefined);
    const context: RotationContext = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: arn,
      memoryLimitInMB: '128',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: callback,
      fail: (error) => finish(error),
      succeed: () => finish(),
    };
    try {
      const result = handler(event, context, callback);
      if (isPromiseLike(result)) {
        result.then(
          () => finish(),
          (error: unknown) =>
            finish(error ?? RotationStepError.of('Error', 'rejected without a reason')),
        );
      } else if (handler.length < 3) {
        finish();
      }
    } catch (error) {
      finish(error ?? RotationStepError.of('Error', 'threw without a value'));
    }
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function invokeUrl(url: URL, event: RotationEvent, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(event);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-amz-invocation-type': 'RequestResponse',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish(error));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const functionError = res.headers['x-amz-function-error'];
          if (status >= 200 && status < 300 && functionError === undefined) {
            finish();
            return;
          }
          let name = typeof functionError === 'string' ? functionError : 'Error';
          let message = `The rotation function URL answered HTTP ${status}`;
          try {
            const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (typeof parsed === 'object' && parsed !== null) {
              const { errorType, errorMessage } = parsed as Record<string, unknown>;
              if (typeof errorType === 'string') name = errorType;
              if (typeof errorMessage === 'string') message = errorMessage;
            }
          } catch {
            // A non-JSON error body keeps the generic message.
          }
          finish(RotationStepError.of(name, message));
        });
      },
    );
    const timer = setTimeout(() => {
      finish(timedOut(timeoutMs));
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) =>
      finish(RotationStepError.of('Lambda.ServiceException', error.message)),
    );
    req.end(body);
  });
}

function snapshot(record: RunRecord): RotationOutcome {
  const outcome: {
    -readonly [K in keyof RotationOutcome]: RotationOutcome[K];
  } = {
    secretArn: record.secretArn,
    secretName: record.secretName,
    token: record.token,
    rotationLambdaArn: record.rotationLambdaArn,
    trigger: record.trigger,
    rotateImmediately: record.rotateImmediately,
    attempt: record.attempt,
    status: record.status,
    steps: Object.freeze(record.steps.map((s) => Object.freeze({ ...s }))),
    startedAt: new Date(record.startedAt),
  };
  if (record.failedStep !== undefined) outcome.failedStep = record.failedStep;
  if (record.error !== undefined) outcome.error = Object.freeze({ ...record.error });
  if (record.endedAt !== undefined) {
    outcome.endedAt = new Date(record.endedAt);
    outcome.durationMs = record.endedAt - record.startedAt;
  }
  return Object.freeze(outcome);
}
