import { describe, expect, it } from 'vitest';
import { type MetricCallback, metricSinkOf } from '../src/metrics/index.js';

// The adapter alone. rotation-core's and secret-pool's integration tests drive it with a real
// Powertools Metrics and read its EMF back from stdout.
describe('metricSinkOf', () => {
  it('passes a callback through as the sink', () => {
    const callback: MetricCallback = () => {};
    expect(metricSinkOf(callback)).toBe(callback);
  });

  it('sends each metric through its own singleMetric(): dimensions first, then the metric', () => {
    const calls: string[] = [];
    let instances = 0;
    const metrics = {
      singleMetric() {
        const id = ++instances;
        return {
          addDimension: (name: string, value: string) => calls.push(`${id} dim ${name}=${value}`),
          addMetric: (name: string, unit: string, value: number) =>
            calls.push(`${id} metric ${name} ${unit} ${value}`),
        };
      },
    };
    const sink = metricSinkOf(metrics);
    sink?.('A', 'Count', 1, { Step: 'setSecret', Outcome: 'success' });
    sink?.('B', 'Milliseconds', 12, {});
    expect(calls).toEqual([
      '1 dim Step=setSecret',
      '1 dim Outcome=success',
      '1 metric A Count 1',
      '2 metric B Milliseconds 12',
    ]);
  });

  it('is undefined for anything else, so the caller can name its option', () => {
    for (const value of [undefined, null, 42, 'metrics', {}, { addMetric() {} }, []]) {
      expect(metricSinkOf(value)).toBeUndefined();
    }
  });
});
