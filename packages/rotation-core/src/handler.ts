import { diagnoseStepFailure, runPreflight } from './diagnosis.js';
import { InvalidEventError, InvalidOptionError } from './errors.js';
import { serializeError } from './logger.js';
import { type ResolvedOptions, type RotationHandlerOptions, resolveOptions } from './options.js';
import {
  type DispatchExtensions,
  type DispatchMode,
  dispatch,
  type StepReport,
} from './steps/dispatcher.js';
import { type ParsedEvent, parseEvent, type RotationEvent } from './steps/event.js';

/** The Lambda handler `createRotationHandler` returns. */
export interface RotationHandler {
  (event: RotationEvent, context?: unknown): Promise<void>;
  /** Releases the Secrets Manager client the handler created (not an injected one). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const ENGINE = Symbol.for('rotakit.rotation-core.engine');

/** What `runRotation` uses to drive a handler's steps directly. @internal */
export interface RotationEngine {
  readonly options: ResolvedOptions;
  run(event: ParsedEvent, context: unknown, mode: DispatchMode): Promise<StepReport>;
}

/** The engine behind a handler made by `createRotationHandler`, or undefined. @internal */
export function engineOf(handler: unknown): RotationEngine | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as unknown as Record<symbol, RotationEngine | undefined>)[ENGINE];
}

/** Extensions run by the dispatcher (diagnosis, preflight). @internal */
export type HandlerInternals = DispatchExtensions;

/**
 * Creates the Lambda handler for Secrets Manager rotation of a MySQL secret. Options are
 * validated here (bad options throw at cold start, not at the first rotation).
 *
 * @example
 * import { createRotationHandler, mysql } from '@rotakit/rotation-core';
 * export const handler = createRotationHandler({ strategy: 'single-user', database: mysql() });
 */
export function createRotationHandler(options: RotationHandlerOptions): RotationHandler {
  return buildHandler(resolveOptions(options), {
    onFailure: diagnoseStepFailure,
    beforeCreate: runPreflight,
  });
}

/** @internal */
export function buildHandler(
  resolved: ResolvedOptions,
  internals: HandlerInternals,
): RotationHandler {
  const engine: RotationEngine = Object.freeze({
    options: resolved,
    run: (event: ParsedEvent, context: unknown, mode: DispatchMode) =>
      dispatch(resolved, event, context, mode, internals),
  });
  let closed = false;
  const handler = async (event: RotationEvent, context?: unknown): Promise<void> => {
    if (closed) {
      throw InvalidOptionError.of('handler', 'was closed; create a new one');
    }
    let parsed: ParsedEvent;
    try {
      parsed = parseEvent(event);
    } catch (error) {
      if (error instanceof InvalidEventError) {
        resolved.logger.error('rejected a malformed rotation event', {
          error: serializeError(error),
        });
      }
      throw error;
    }
    await engine.run(parsed, context, { direct: false });
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    if (resolved.ownsClient) resolved.client.destroy();
  };
  Object.defineProperties(handler, {
    [ENGINE]: { value: engine },
    close: { value: close },
    [Symbol.asyncDispose]: { value: close },
  });
  return handler as RotationHandler;
}
