import { InvalidOptionError } from '../errors.js';

/**
 * Loads an engine's client library (an optional peer dependency) on first use, once: a
 * bundle for one engine never needs the other's library. `load` must be a literal
 * `import('name')` so that bundlers see it. A missing package is an InvalidOptionError naming
 * it, not a module-resolution error at the first login.
 */
export function optionalPeer<T>(
  pkg: string,
  driver: string,
  load: () => Promise<T>,
): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw InvalidOptionError.of(
        'database',
        `the ${driver}() driver needs the ${pkg} package, which could not be loaded (install it next to @rotakit/rotation-core)`,
        { cause: error },
      );
    });
    return loading;
  };
}
