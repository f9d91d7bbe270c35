import { definedOnly } from '@rotakit/core';
import type { RotationStep, RotationStrategy, RunRotationStepEvent } from '@rotakit/rotation-core';
import type { CommandContext } from '../context.js';
import { InterruptedError } from '../errors.js';

/** What `rotate` knows of its own progress: enough to say the state without asking AWS. */
export class RotationProgress {
  versionId: string | undefined;
  readonly completed: RotationStep[] = [];
  running: RotationStep | undefined;

  record(event: RunRotationStepEvent): void {
    this.versionId = event.token;
    if (event.phase === 'start') this.running = event.step;
    else {
      this.running = undefined;
      if (event.phase === 'end') this.completed.push(event.step);
    }
  }
}

/**
 * Ctrl-C for `rotate`. The first one lets the step in progress finish and stops before the
 * next (every step is safe to run again, but a step cut in half leaves the reader guessing);
 * the second one stops at once.
 */
export class RotationInterrupts {
  /** Handed to `runRotation`: aborted at a step boundary, or at once by the second Ctrl-C. */
  readonly signal: AbortSignal;
  /** Rejects with `reason` at the second Ctrl-C, so nobody waits for the abandoned step. */
  readonly stoppedNow: Promise<never>;
  /** The abort reason: identifies an interruption among the errors a rotation can throw. */
  readonly reason = new InterruptedError('interrupted by Ctrl-C');
  #requested: 'after-step' | 'now' | undefined;
  readonly #controller = new AbortController();
  readonly #dispose: Array<() => void> = [];
  #rejectNow: ((reason: unknown) => void) | undefined;

  constructor(
    private readonly ctx: CommandContext,
    private readonly progress: RotationProgress,
  ) {
    this.signal = this.#controller.signal;
    this.stoppedNow = new Promise<never>((_, reject) => {
      this.#rejectNow = reject;
    });
    // Raced only while the rotation runs; a rejection after that is nobody's news.
    this.stoppedNow.catch(() => {});
    this.#listen(ctx.io.signal, () => this.#onFirst());
    this.#listen(ctx.io.abortNow, () => this.#stopNow());
  }

  /** `after-step` or `now` once a Ctrl-C came. */
  get requested(): 'after-step' | 'now' | undefined {
    return this.#requested;
  }

  /** Call from `onStep`, after `progress.record`: stops at this boundary when asked to. */
  atStepEvent(event: RunRotationStepEvent): void {
    if (event.phase === 'end' && this.#requested) this.#controller.abort(this.reason);
  }

  dispose(): void {
    for (const remove of this.#dispose.splice(0)) remove();
  }

  #listen(signal: AbortSignal | undefined, listener: () => void): void {
    if (!signal) return;
    if (signal.aborted) {
      listener();
      return;
    }
    signal.addEventListener('abort', listener, { once: true });
    this.#dispose.push(() => signal.removeEventListener('abort', listener));
  }

  #onFirst(): void {
    const step = this.progress.running;
    // Outside a step (reading the secret), nothing is half done: stop now.
    if (!step) {
      this.#stopNow();
      return;
    }
    this.#requested ??= 'after-step';
    this.ctx.out.error(`Stopping after ${step} finishes (Ctrl-C again to stop at once)...`);
  }

  #stopNow(): void {
    this.#requested = 'now';
    this.#controller.abort(this.reason);
    this.#rejectNow?.(this.reason);
  }
}

/** The state an interrupted rotation left, as data; `printInterrupted` words it. */
export interface InterruptedReport {
  name: 'InterruptedError';
  message: string;
  exitCode: 130;
  versionId?: string;
  completedSteps: RotationStep[];
  /** The step cut short by a second Ctrl-C: it may or may not have taken effect. */
  interruptedStep?: RotationStep;
  state: string;
  resumeCommand: string;
  undoCommand?: string;
}

/** Describes what an interrupted rotation left behind and the commands that resume or undo it. */
export function describeInterrupted(
  ctx: CommandContext,
  secretId: string,
  strategy: RotationStrategy,
  progress: RotationProgress,
): InterruptedReport {
  const interruptedStep = progress.running;
  const reached = new Set<RotationStep>([
    ...progress.completed,
    ...(interruptedStep ? [interruptedStep] : []),
  ]);
  const version = progress.versionId ?? 'the pending version';
  const resumeCommand = ctx.commandLine('rotate', secretId);
  const undoCommand = ctx.commandLine('unstick', secretId, '--force');
  const base = {
    name: 'InterruptedError' as const,
    exitCode: 130 as const,
    ...definedOnly({ versionId: progress.versionId }),
    completedSteps: [...progress.completed],
    ...definedOnly({ interruptedStep }),
    resumeCommand,
  };
  const cut = interruptedStep
    ? `${interruptedStep} was cut short and may or may not have taken effect; `
    : '';
  const message = `Rotation interrupted${interruptedStep ? ` during ${interruptedStep}` : progress.completed.length ? ` after ${progress.completed.at(-1)}` : ' before the first step'}.`;
  if (reached.has('finishSecret')) {
    return {
      ...base,
      message,
      state: `${cut}AWSCURRENT may already be on version ${version}. Check with \`${ctx.commandLine('status', secretId)}\`: if AWSPENDING is still on ${version}, \`${resumeCommand}\` finishes it.`,
    };
  }
  if (reached.has('setSecret')) {
    const who =
      strategy === 'single-user'
        ? 'so new logins with the AWSCURRENT password fail until the rotation finishes'
        : 'the AWSCURRENT user still logs in';
    return {
      ...base,
      message,
      state: `${cut}the database ${interruptedStep === 'setSecret' ? 'may already use' : 'already uses'} the AWSPENDING password of version ${version} while AWSCURRENT still holds the old one (${who}). Resume now; do not unstick (that would throw away the password in use).`,
    };
  }
  if (reached.has('createSecret')) {
    return {
      ...base,
      message,
      state: `${cut}AWSPENDING ${interruptedStep === 'createSecret' ? 'may be' : 'is'} on version ${version}; the database still uses the AWSCURRENT password, so nothing uses the new one yet. Resume, or undo by removing AWSPENDING.`,
      undoCommand,
    };
  }
  return { ...base, message, state: 'Nothing changed: no step had started.' };
}

export function printInterrupted(ctx: CommandContext, report: InterruptedReport): void {
  const { out } = ctx;
  const c = out.colors;
  out.line(c.yellow(report.message));
  out.line(`  ${report.state}`);
  if (report.completedSteps.length)
    out.line(c.dim(`  steps done: ${report.completedSteps.join(', ')}`));
  out.line(`  resume: ${report.resumeCommand}`);
  if (report.undoCommand) out.line(`  undo:   ${report.undoCommand}`);
}
