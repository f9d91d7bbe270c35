import { InvalidOptionError } from './errors.js';
import type { SecretPool } from './pool/create-pool.js';

// The same structural shapes as @rotakit/rotation-core's metrics option: neither package
// depends on the other, nor on Powertools at run time.

/** The CloudWatch units the pool's metrics use (Powertools' `MetricUnit` values). */
export type MetricUnitName = 'Count';

/**
 * The part of a Powertools `Metrics` (2.x) the pool calls. Each metric goes through its own
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

/** Where the pool's metrics go: a Powertools `Metrics` instance or a callback. */
export type MetricsOption = MetricsLike | MetricCallback;

/** The pool's metric names (docs/secret-pool.md, Metrics); every one is a Count of 1 per event. */
export const POOL_METRICS = Object.freeze({
  /** New credentials applied; dimensions `Reason` (initial, refresh, auth-failure) and `Source`. */
  refresh: 'SecretPoolCredentialsRefreshed',
  /** A new connection refused with access denied; dimension `Source` (the refused credentials). */
  authFailure: 'SecretPoolAuthFailure',
  /** The first login with AWSPENDING credentials succeeded: a rotation window was bridged. */
  pendingProbeSuccess: 'SecretPoolPendingProbeSuccess',
  /** The login guard held a login back; dimension `Reason`. */
  loginGuard: 'SecretPoolLoginGuardRejection',
});

/** Emits one metric. @internal */
export type MetricSink = MetricCallback;

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
    'expected a Powertools Metrics instance (with singleMetric()) or a function (name, unit, value, dimensions)',
  );
}

/**
 * Subscribes to the pool's events and emits a metric for each refresh, auth failure, login
 * guard rejection and pending-probe success. The listeners run inside the pool's own code, so
 * a sink that throws is reported once as a process warning and never reaches the pool.
 * @internal
 */
export function attachPoolMetrics(pool: SecretPool, sink: MetricSink): void {
  let warned = false;
  const emit = (name: string, dimensions: Record<string, string> = {}) => {
    try {
      sink(name, 'Count', 1, dimensions);
    } catch (error) {
      if (warned) return;
      warned = true;
      process.emitWarning(
        `the metrics sink threw (${(error as Error)?.name ?? typeof error}); later failures are not reported`,
        { code: 'ROTAKIT_SECRET_POOL_METRICS' },
      );
    }
  };
  pool.on('credentialsRefreshed', (event) =>
    emit(POOL_METRICS.refresh, { Reason: event.reason, Source: event.source }),
  );
  pool.on('authFailure', (event) => emit(POOL_METRICS.authFailure, { Source: event.source }));
  pool.on('loginGuard', (event) => emit(POOL_METRICS.loginGuard, { Reason: event.reason }));
  // No event marks a pending-probe success; the pool counts it when the connection opens,
  // before mysql2's 'connection' event reaches listeners here.
  let pendingSuccesses = 0;
  pool.on('connection', () => {
    const seen = pool.stats().pendingProbeSuccesses;
    for (; pendingSuccesses < seen; pendingSuccesses++) emit(POOL_METRICS.pendingProbeSuccess);
  });
}
