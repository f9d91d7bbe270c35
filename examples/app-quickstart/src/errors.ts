/** Base class of the quickstart's errors. */
export class QuickstartError extends Error {
  override readonly name: string = 'QuickstartError';
}

/** An environment variable (or option) is missing or invalid. */
export class ConfigurationError extends QuickstartError {
  override readonly name: string = 'ConfigurationError';
  /** The variable or option at fault, e.g. `SECRET_ID`. */
  readonly variable: string;

  constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(`${variable} ${problem}`, options);
    this.variable = variable;
  }
}
