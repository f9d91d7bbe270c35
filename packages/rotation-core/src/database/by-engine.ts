import { type Engine, engineOf } from '@rotakit/core';
import { InvalidOptionError } from '../errors.js';
import type { DatabaseDriver } from './driver.js';

/** One driver per engine (`engineOf()`'s names); give the ones your secrets use. */
export type DriversByEngine = Partial<Record<Engine, DatabaseDriver>>;

/**
 * One rotation function for several engines: each secret is rotated by the driver of its
 * `engine` (`mysql`, `aurora-mysql`, `postgres`, `aurora-postgresql`, ...). The drivers load
 * their client library (mysql2, pg) on first use, so a deployment needs only the libraries of
 * the engines it meets.
 *
 * @example
 * const handler = createRotationHandler({
 *   strategy: 'single-user',
 *   database: byEngine({ mysql: mysql(), postgres: postgres() }),
 * });
 */
export function byEngine(drivers: DriversByEngine): DatabaseDriver {
  const entries = Object.entries(drivers).filter(
    (entry): entry is [Engine, DatabaseDriver] => entry[1] !== undefined,
  );
  const first = entries[0]?.[1];
  if (!first) throw InvalidOptionError.of('database', 'byEngine() needs at least one driver');
  const byName = Object.freeze({ ...drivers });
  // engineOf: an absent engine is MySQL, as it always was for rotakit (an RDS-managed master
  // secret names none: the strategies then pass the user's secret's engine).
  const forEngine = (engine: string | undefined): DatabaseDriver => {
    const name = engineOf({ engine });
    const driver = byName[name];
    if (driver) return driver;
    throw InvalidOptionError.of(
      'database',
      `byEngine() has no ${name} driver for the secret's engine`,
    );
  };
  return Object.freeze({
    name: entries.map(([, driver]) => driver.name).join('+'),
    engines: Object.freeze(entries.flatMap(([, driver]) => driver.engines)),
    defaultPort: first.defaultPort,
    forEngine,
    connect: (target, options) => forEngine(target.engine).connect(target, options),
    // A statement error does not say its engine: transient for any driver is transient.
    isTransientError: (error) => entries.some(([, d]) => d.isTransientError?.(error) ?? false),
  } satisfies DatabaseDriver);
}

/** The driver that serves secrets of `engine`: `database` itself unless it is `byEngine()`'s. */
export function driverFor(database: DatabaseDriver, engine: string | undefined): DatabaseDriver {
  return database.forEngine?.(engine) ?? database;
}
