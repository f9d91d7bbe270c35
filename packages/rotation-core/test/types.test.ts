// Type tests: `pnpm typecheck` (tsc, strict) compiles this file, and its expectTypeOf calls
// and expected-error directives fail the typecheck when the public types stop accepting what
// users pass.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  jsonLogger,
  type Logger,
  type MetricCallback,
  type MetricsLike,
  type MetricsOption,
  mysql,
  type RotationHandlerOptions,
} from '../src/index.js';
import { resolveOptions } from '../src/options.js';

const base = { strategy: 'single-user', database: mysql(), env: {} } as const;

describe('public types: logger and metrics', () => {
  it('accepts a real Powertools Logger, console and jsonLogger as the logger', () => {
    expectTypeOf<PowertoolsLogger>().toExtend<Logger>();
    expectTypeOf<Console>().toExtend<Logger>();
    const withPowertools: RotationHandlerOptions = {
      ...base,
      logger: new PowertoolsLogger({ serviceName: 'rotation' }),
      clientConfig: { region: 'us-east-1' },
    };
    const withConsole: RotationHandlerOptions = { ...base, logger: console };
    const withJson: RotationHandlerOptions = { ...base, logger: jsonLogger() };
    // Runtime half: the options resolve with each of them (a wrong shape would throw or not compile).
    for (const options of [withPowertools, withConsole, withJson]) {
      const resolved = resolveOptions(options);
      expect(resolved.logger).toBe(options.logger);
      resolved.client.destroy();
    }
  });

  it('rejects a logger without the four levels', () => {
    // @ts-expect-error no debug/warn/error
    const partial: RotationHandlerOptions = { ...base, logger: { info() {} } };
    expectTypeOf(partial).not.toBeAny();
  });

  it('accepts a real Powertools Metrics and a plain callback as metrics', () => {
    expectTypeOf<Metrics>().toExtend<MetricsLike>();
    expectTypeOf<Metrics>().toExtend<MetricsOption>();
    const callback: MetricCallback = (name, unit, value, dimensions) => {
      expectTypeOf(name).toEqualTypeOf<string>();
      expectTypeOf(unit).toEqualTypeOf<'Milliseconds' | 'Count'>();
      expectTypeOf(value).toEqualTypeOf<number>();
      expectTypeOf(dimensions).toEqualTypeOf<Readonly<Record<string, string>>>();
    };
    // The units the engine passes are Powertools' own values.
    expectTypeOf<typeof MetricUnit.Milliseconds>().toExtend<Parameters<MetricCallback>[1]>();
    const withMetrics: RotationHandlerOptions = {
      ...base,
      metrics: new Metrics({ namespace: 'rotakit', serviceName: 'rotation' }),
    };
    const withCallback: RotationHandlerOptions = { ...base, metrics: callback };
    for (const options of [withMetrics, withCallback]) {
      const resolved = resolveOptions(options);
      expect(typeof resolved.metrics).toBe('function');
      resolved.client.destroy();
    }
  });

  it('rejects something that is neither', () => {
    // @ts-expect-error a Metrics-like object needs singleMetric()
    const wrong: RotationHandlerOptions = { ...base, metrics: { addMetric() {} } };
    expect(() => resolveOptions(wrong)).toThrow(
      /Invalid option metrics: must be a Powertools Metrics instance \(with singleMetric\(\)\) or a function/,
    );
  });
});
