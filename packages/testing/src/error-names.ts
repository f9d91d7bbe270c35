/** A class whose instances are Errors. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Every export of a module namespace that is a class extending Error, as
 * `[exportName, class]`, sorted by name.
 *
 * @example
 * import * as netcheck from '../src/index.js';
 * errorClassesOf(netcheck); // [['InvalidOptionError', InvalidOptionError], ...]
 */
export function errorClassesOf(namespace: object): [string, ErrorClass][] {
  return Object.entries(namespace)
    .filter(
      (entry): entry is [string, ErrorClass] =>
        typeof entry[1] === 'function' && entry[1].prototype instanceof Error,
    )
    .sort(([a], [b]) => a.localeCompare(b));
}

/**
 * The `name` an instance of `errorClass` gets once a bundler renames the class (esbuild's
 * `minify` turns `class InvalidOptionError` into `class t`). It constructs a subclass whose
 * own name is `t`, so a `this.name = new.target.name` or `this.constructor.name` gives
 * itself away as `'t'`, while a literal `name` stays what it says.
 *
 * @example
 * expect(nameAfterMinifying(InvalidOptionError, ['timeoutMs', 'must be a number'])).toBe('InvalidOptionError');
 */
export function nameAfterMinifying(errorClass: ErrorClass, args: readonly unknown[]): string {
  const Base = errorClass as unknown as new (...args: unknown[]) => Error;
  const Minified = class extends Base {};
  Object.defineProperty(Minified, 'name', { value: 't' });
  try {
    return new Minified(...args).name;
  } catch (cause) {
    throw new TypeError(
      `could not construct ${errorClass.name} from ${args.length} argument(s): give the test the arguments its constructor needs`,
      { cause },
    );
  }
}
