// Each wait a step awaits keeps the event loop alive (its timer is ref'd), one site at a time.
// awaited-waits.integ.test.ts shows the outcome in a child process, but there the budget timer
// alone already holds the loop during a backoff; these checks catch a single site unref'd
// again. The spy calls the real setTimeout: it only records the timers made.
// docs/architecture.md "Timers and the event loop".
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeBudget } from '../src/budget.js';
import { DatabaseLoginError } from '../src/errors.js';
import { retryWithinBudget } from '../src/retry.js';
import type { StepContext } from '../src/steps/context.js';
import { sleep } from '../src/steps/sleep.js';

const BUDGET = { reserveMs: 100, defaultMs: 60_000 };

/** Records every timer created from now on; `made()` lists them with their delays. */
function recordTimers() {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  return {
    made: () =>
      spy.mock.results.map((result, i) => ({
        delayMs: spy.mock.calls[i]?.[1],
        timer: result.value as NodeJS.Timeout,
      })),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const refused = () =>
  new DatabaseLoginError('refused', {
    credentials: 'pending',
    reason: 'refused',
    host: '127.0.0.1',
    port: 1,
  });

describe('timers a step awaits are ref-ed', () => {
  it("the time budget's expiry timer", () => {
    const timers = recordTimers();
    const budget = new TimeBudget(60_000, BUDGET);
    const made = timers.made();
    budget[Symbol.dispose]();
    expect(made).toHaveLength(1);
    expect(made[0]?.timer.hasRef()).toBe(true);
  });

  it("a Secrets Manager call's own timeout (signalFor)", () => {
    using budget = new TimeBudget(60_000, BUDGET);
    const timers = recordTimers();
    const operation = budget.signalFor(5000);
    const made = timers.made();
    operation[Symbol.dispose]();
    expect(made.map((m) => m.delayMs)).toEqual([5000]);
    expect(made[0]?.timer.hasRef()).toBe(true);
    expect(operation.signal.aborted).toBe(false);
  });

  it('the per-call timeout still aborts with a TimeoutError when it fires', async () => {
    using budget = new TimeBudget(60_000, BUDGET);
    using operation = budget.signalFor(5);
    await new Promise((resolve) => operation.signal.addEventListener('abort', resolve));
    expect((operation.signal.reason as Error).name).toBe('TimeoutError');
  });

  it("testSecret's sleep between attempts", async () => {
    using budget = new TimeBudget(60_000, BUDGET);
    const timers = recordTimers();
    await sleep({ budget } as unknown as StepContext, 20);
    const made = timers.made();
    expect(made.map((m) => m.delayMs)).toEqual([20]);
    expect(made[0]?.timer.hasRef()).toBe(true);
  });

  it("the retry backoff between a step's attempts", async () => {
    using budget = new TimeBudget(60_000, BUDGET);
    const timers = recordTimers();
    let attempts = 0;
    const result = await retryWithinBudget(
      async () => {
        if (++attempts < 3) throw refused();
        return 'done';
      },
      {
        retry: { retries: 3, minDelayMs: 10, maxDelayMs: 20 },
        budget,
        isRetryable: (error) => error instanceof DatabaseLoginError,
        onRetry: () => {},
      },
    );
    expect(result).toBe('done');
    const backoffs = timers.made().filter((m) => Number(m.delayMs) >= 10);
    expect(backoffs).toHaveLength(2);
    for (const { timer } of backoffs) expect(timer.hasRef()).toBe(true);
  });
});
