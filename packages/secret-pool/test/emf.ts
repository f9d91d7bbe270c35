// Read by metrics.integ.test.ts (both pools): the EMF lines a real Powertools Metrics writes
// to process.stdout (where Lambda's log agent reads them), captured and read back one metric
// per document.
import { vi } from 'vitest';

export interface EmfMetric {
  namespace: string | undefined;
  metric: string | undefined;
  unit: string | undefined;
  value: unknown;
  dimensions: Record<string, unknown>;
}

/** The EMF documents written to stdout while `fn` runs, one metric each, and the raw text. */
export async function captureEmf(
  fn: () => Promise<void>,
): Promise<{ raw: string; metrics: EmfMetric[] }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  const raw = chunks.join('');
  const metrics = raw
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => {
      const doc = JSON.parse(line);
      const directive = doc._aws.CloudWatchMetrics[0];
      const names: string[] = directive.Dimensions[0];
      return {
        namespace: directive.Namespace,
        metric: directive.Metrics[0]?.Name,
        unit: directive.Metrics[0]?.Unit,
        value: doc[directive.Metrics[0]?.Name],
        dimensions: Object.fromEntries(names.map((name) => [name, doc[name]])),
      };
    });
  return { raw, metrics };
}
