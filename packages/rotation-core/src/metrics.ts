import { InvalidOptionError, type RotationStep } from './errors.js';
import { type Logger, serializeError } from './logger.js';

/** The CloudWatch units the engine's metrics use (Powertools' `MetricUnit` values). */
export type MetricUnitName = 'Milliseconds' | 'Count';

/**
 * The part of a Powertools `Metrics` (2.x) the engine calls. Each metric goes through its own
 * `singleMetric()`: it is written as one EMF line at once, keeps your default dimensions
 * (`service`, ...) and adds none to your instance or its stored metrics.
 */
export interface MetricsLike {
  singleMetric(): {
    addDimension(name: string, value: string): unknown;
    addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  };
}

/** A plain callback for those without Powertools; called once per metric, synchronously. */
export type MetricCallback = (
  name: string,
  unit: MetricUnitName,
  value: number,
  dimensions: Readonly<Record<string, string>>,
) => void;

/** Where the engine's metrics go: a Powertools `Metrics` instance or a callback. */
export type MetricsOption = MetricsLike | MetricCallback;

/** The engine's metric names (docs/rotation.md, Metrics). */
export const ROTATION_METRICS = Object.freeze({
  /** Milliseconds a step invocation took; dimensions `Step` and `Outcome`. */
  stepDuration: 'RotationStepDuration',
  /** 1 when a step invocation failed, else 0 (Sum = failures, Average = failure rate); dimension `Step`. */
  stepFailed: 'RotationStepFailed',
});

/** How a step invocation ended: `skipped` when the version was already AWSCURRENT. */
export type StepOutcome = 'success' | 'skipped' | 'failure';

/** Emits one metric; never throws. @internal */
export type MetricSink = (
  name: string,
  unit: MetricUnitName,
  value: number,
  dimensions: Readonly<Record<string, string>>,
) => void;

/** Validates the `metrics` option and turns it into one sink. @internal */
export function toMetricSink(option: MetricsOption | undefined): MetricSink | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'function') return option;
  if (option !== null && typeof option === 'object' && typeof option.singleMetric === 'function') {
    return (name, unit, value, dimensions) => {
      const single = option.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions))
        single.addDimension(key, dimension);
      single.addMetric(name, unit, value);
    };
  }
  throw InvalidOptionError.of(
    'metrics',
    'must be a Powertools Metrics instance (with singleMetric()) or a function (name, unit, value, dimensions)',
  );
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
