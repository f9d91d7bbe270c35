import {
  METRICS_OPTION_EXPECTED,
  type MetricCallback,
  type MetricsOption,
  metricSinkOf,
} from '@rotakit/core';
import { InvalidOptionError } from './errors.js';
import type {
  AuthFailureEvent,
  CredentialsRefreshedEvent,
  LoginGuardEvent,
} from './pool/events.js';
import type { SecretPoolStats } from './stats.js';

export type { MetricCallback, MetricsLike, MetricsOption, MetricUnitName } from '@rotakit/core';

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
  const sink = metricSinkOf(option);
  if (sink === undefined) {
    throw InvalidOptionError.of('metrics', `expected ${METRICS_OPTION_EXPECTED}`);
  }
  return sink;
}

/** What the metrics read from a pool, whichever its driver (SecretPool, SecretPgPool). @internal */
export interface MeteredPool {
  on(event: 'credentialsRefreshed', listener: (event: CredentialsRefreshedEvent) => void): unknown;
  on(event: 'authFailure', listener: (event: AuthFailureEvent) => void): unknown;
  on(event: 'loginGuard', listener: (event: LoginGuardEvent) => void): unknown;
  stats(): Pick<SecretPoolStats, 'pendingProbeSuccesses'>;
}

/**
 * The driver pool's event for a new connection that logged in: mysql2's `connection`, pg's
 * `connect`. Both come after the pool counted the login (see the pending-probe successes).
 * @internal
 */
export type ConnectionOpenedEvent = 'connection' | 'connect';

/**
 * Subscribes to the pool's events and emits a metric for each refresh, auth failure, login
 * guard rejection and pending-probe success. The listeners run inside the pool's own code, so
 * a sink that throws is reported once as a process warning and never reaches the pool.
 * @internal
 */
export function attachPoolMetrics(
  pool: MeteredPool,
  sink: MetricSink,
  openedEvent: ConnectionOpenedEvent = 'connection',
): void {
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
  // before the driver's event for it (`openedEvent`) reaches listeners here.
  let pendingSuccesses = 0;
  // Both pools are EventEmitters; the driver's own events are typed apart from ours.
  (pool as unknown as Pick<NodeJS.EventEmitter, 'on'>).on(openedEvent, () => {
    const seen = pool.stats().pendingProbeSuccesses;
    for (; pendingSuccesses < seen; pendingSuccesses++) emit(POOL_METRICS.pendingProbeSuccess);
  });
}
