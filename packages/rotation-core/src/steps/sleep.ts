import type { StepContext } from './context.js';

/** Waits, abortably by the budget; the timer is ref'd because the step awaits it. */
export function sleep(ctx: Pick<StepContext, 'budget'>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const signal = ctx.budget.signal;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
