import type { RotationStep } from '../errors.js';
import type { RotationBoundary, RotationHooks } from '../options.js';
import type { BoundaryFn } from '../secrets-manager.js';

/**
 * The boundary reporter of one step run: it numbers each operation's occurrences within the
 * step, so a fault-injection test can name "the second GRANT of setSecret".
 */
export function boundaryReporter(hooks: RotationHooks, step: RotationStep): BoundaryFn {
  const occurrences = new Map<string, number>();
  return async (phase, kind, operation) => {
    const onBoundary = hooks.onBoundary;
    if (!onBoundary) return;
    const key = `${phase}:${kind}:${operation}`;
    const occurrence = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, occurrence);
    const info: RotationBoundary = {
      name: `${step}:${phase}:${kind === 'sql' ? 'sql' : 'sm'}:${operation}#${occurrence}`,
      step,
      phase,
      kind,
      operation,
      occurrence,
      at: performance.now(),
    };
    await onBoundary(info);
  };
}
