// The metrics option every rotakit package takes: a Powertools `Metrics` (2.x) or a plain
// callback. Structural types only: no package depends on Powertools at run time.

/** The CloudWatch units rotakit's metrics use (Powertools' `MetricUnit` values). */
export type MetricUnitName = 'Milliseconds' | 'Count';

/**
 * The part of a Powertools `Metrics` (2.x) rotakit calls. Each metric goes through its own
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

/** Where a package's metrics go: a Powertools `Metrics` instance or a callback. */
export type MetricsOption = MetricsLike | MetricCallback;

/** What an invalid `metrics` option should have been, for the packages' option errors. */
export const METRICS_OPTION_EXPECTED =
  'a Powertools Metrics instance (with singleMetric()) or a function (name, unit, value, dimensions)';

/**
 * One function that emits a metric, for either shape of the option; undefined when `option`
 * is neither (the caller names its option in its own error).
 */
export function metricSinkOf(option: unknown): MetricCallback | undefined {
  if (typeof option === 'function') return option as MetricCallback;
  if (option === null || typeof option !== 'object') return undefined;
  const metrics = option as Partial<MetricsLike>;
  if (typeof metrics.singleMetric !== 'function') return undefined;
  return (name, unit, value, dimensions) => {
    const single = (metrics as MetricsLike).singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  };
}
