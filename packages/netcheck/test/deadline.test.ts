// The probes' Deadline: probes await race() on it, so its timer must keep the process alive
// (docs/architecture.md "Timers and the event loop"), and dispose() must disarm it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadline, DeadlineExceeded } from '../src/util/deadline.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The timers a Deadline arms, recorded by a spy that calls the real setTimeout. */
function armedBy(make: () => Deadline): { deadline: Deadline; timers: NodeJS.Timeout[] } {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  const deadline = make();
  return { deadline, timers: spy.mock.results.map((result) => result.value as NodeJS.Timeout) };
}

describe('Deadline', () => {
  it('arms one ref-ed timer: a probe awaiting race() keeps the process alive', () => {
    const { deadline, timers } = armedBy(() => new Deadline(10_000));
    deadline.dispose();
    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(true);
  });

  it('a child deadline is ref-ed too', () => {
    using parent = new Deadline(10_000);
    const { deadline: child, timers } = armedBy(() => parent.child(5000));
    child.dispose();
    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(true);
  });

  it('race() rejects with DeadlineExceeded when the time is up, and says it timed out', async () => {
    using deadline = new Deadline(5);
    const never = new Promise<never>(() => {});
    await expect(deadline.race(never)).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(deadline.timedOut).toBe(true);
    expect(deadline.aborted).toBe(false);
  });

  it('dispose() disarms it: the signal never aborts afterwards', async () => {
    const deadline = new Deadline(5);
    deadline.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.timedOut).toBe(false);
  });

  it('follows an aborted parent signal without arming a timer', () => {
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const { deadline, timers } = armedBy(() => new Deadline(10_000, controller.signal));
    expect(timers).toHaveLength(0);
    expect(deadline.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('caller gave up');
  });
});
