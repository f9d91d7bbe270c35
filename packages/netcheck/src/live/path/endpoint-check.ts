import type { CheckContext } from './context.js';
import { CHECK_NAMES, type PathCheck } from './types.js';

/** R2: which Secrets Manager host the client uses, and where that came from. */
export function endpointCheck({ input }: CheckContext): PathCheck {
  const e = input.endpoint;
  const fips = e.fips ? ', FIPS' : '';
  const vpce = e.vpceSpecific ? ', endpoint-specific name' : '';
  return {
    id: 'R2',
    name: CHECK_NAMES.R2,
    // A note means the client and the environment disagree about the host.
    status: e.note ? 'warn' : 'pass',
    detail: `${e.host}:${e.port} (${e.source}${fips}${vpce})`,
    evidence: {
      url: e.url,
      host: e.host,
      port: e.port,
      source: e.source,
      region: e.region,
      fips: e.fips,
      dualStack: e.dualStack,
      vpceSpecific: e.vpceSpecific,
      vpceId: e.vpceId,
      note: e.note,
    },
    durationMs: 0,
    hint: e.note ? `${e.note}: the client uses ${e.url}` : undefined,
  };
}
