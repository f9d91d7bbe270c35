import { inspect } from 'node:util';

export const REDACTED = '[redacted]';

/** RDS-format fields that are not secret and help when debugging. */
const PUBLIC_FIELDS = new Set([
  'engine',
  'host',
  'port',
  'username',
  'dbname',
  'dbClusterIdentifier',
]);

/** A copy of a parsed secret with every value but the well-known public ones redacted. */
export function redactSecretJson(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(json)) {
    out[key] = PUBLIC_FIELDS.has(key) ? json[key] : REDACTED;
  }
  return out;
}

/**
 * Makes `util.inspect`, `console.log` and `JSON.stringify` of `target` print `view()`
 * instead of its content; the hooks are non-enumerable so they do not change its keys.
 */
export function hideFromPrinting<T extends object>(target: T, view: () => unknown): T {
  Object.defineProperty(target, inspect.custom, {
    value: (_depth: number, options: Parameters<typeof inspect>[1]) => inspect(view(), options),
    enumerable: false,
    configurable: true,
    writable: true,
  });
  Object.defineProperty(target, 'toJSON', {
    value: view,
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return target;
}
