import {
  METRICS_OPTION_EXPECTED,
  type MetricCallback,
  type MetricsOption,
  metricSinkOf,
} from '@rotakit/core';
import { InvalidOptionError, type RotationStep } from './errors.js';
import { type Logger, serializeError } from './logger.js';

export type { MetricCallback, MetricsLike, MetricsOption, MetricUnitName } from '@rotakit/core';

/** The engine's metric names (docs/rotation.md, Metrics). */
export const ROTATION_METRICS = Object.freeze({
  /** Milliseconds a step invocation took; dimensions `Step` and `Outcome`. */
  stepDuration: 'RotationStepDuration',
  /** 1 when a step invocation failed, else 0 (Sum = failures, Average = failure rate); dimension `Step`. */
  stepFailed: 'RotationStepFailed',
});

/** How a step invocation ended: `skipped` when the version was already AWSCURRENT. */
export type StepOutcome = 'success' | 'skipped' | 'failure';

/** Emits one metric. @internal */
export type MetricSink = MetricCallback;

/** Validates the `metrics` option and turns it into one sink. @internal */
export function toMetricSink(option: MetricsOption | undefined): MetricSink | undefined {
  if (option === undefined) return undefined;
  const sink = metricSinkOf(option);
  if (sink === undefined) {
    throw InvalidOptionError.of('metrics', `must be ${METRICS_OPTION_EXPECTED}`);
  }
  return sink;
}

/**
 * Records a step's duration and outcome. A sink that throws is logged and ignored: metrics
 * must not turn a rotation step into a failure. @internal
 */
export function recordStep(
  sink: MetricSink | undefined,
  logger: Logger,
  report: { step: RotationStep; outcome: StepOutcome; durationMs: number },
): void {
  if (sink === undefined) return;
  try {
    sink(ROTATION_METRICS.stepDuration, 'Milliseconds', Math.round(report.durationMs), {
      Step: report.step,
      Outcome: report.outcome,
    });
    sink(ROTATION_METRICS.stepFailed, 'Count', report.outcome === 'failure' ? 1 : 0, {
      Step: report.step,
    });
  } catch (error) {
    logger.warn('metrics: the metrics sink threw; metrics of this step are incomplete', {
      error: serializeError(error),
    });
  }
}
