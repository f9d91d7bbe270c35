/** The object without its undefined-valued keys, typed as if those keys were optional. */
export type DefinedOnly<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * A copy of `fields` without the keys whose value is undefined: the one helper for building
 * objects whose optional fields must be absent rather than `undefined` (JSON output, SDK
 * inputs), instead of `cond ? { key } : {}` spreads.
 *
 * @example
 * definedOnly({ errno: error.errno, code: error.code }) // { code: 'ECONNREFUSED' }
 */
export function definedOnly<T extends object>(fields: T): DefinedOnly<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = value;
  }
  return out as DefinedOnly<T>;
}
