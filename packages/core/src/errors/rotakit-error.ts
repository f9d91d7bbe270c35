/** What every rotakit error may carry besides its message: the cause and safe context fields. */
export interface ErrorOptions {
  cause?: unknown;
}

/**
 * Base class of rotakit's errors. One constructor shape everywhere,
 * `(message, { cause, ...context })`: the context fields become readonly properties of the
 * subclass. Messages and context never hold secret values. Subclasses set a literal `name`
 * (`new.target.name` would be minified away in an application bundle).
 *
 * @example
 * class SecretFormatError extends RotakitError {
 *   override readonly name: string = 'SecretFormatError';
 * }
 */
export class RotakitError extends Error {
  override readonly name: string = 'RotakitError';

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
