import { type ErrorOptions, RotakitError } from '../errors/rotakit-error.js';

export interface SecretFormatErrorContext extends ErrorOptions {
  /** The JSON key at fault, or `SecretString` for the whole value. */
  field: string;
  /** What is wrong with it, without its value: `must be a non-empty string`. */
  problem?: string | undefined;
  /** Which version the value came from (`AWSCURRENT`, `AWSPENDING`, `master`, ...). */
  source?: string | undefined;
  secretId?: string | undefined;
  versionId?: string | undefined;
  /** The rotation step that read the secret, once known. */
  step?: string | undefined;
}

/** The secret JSON is missing a field or has an invalid one. Names the field, never the value. */
export class SecretFormatError extends RotakitError {
  override readonly name: string = 'SecretFormatError';
  readonly field: string;
  readonly problem: string | undefined;
  readonly source: string | undefined;
  readonly secretId: string | undefined;
  readonly versionId: string | undefined;
  readonly step: string | undefined;

  constructor(message: string, context: SecretFormatErrorContext) {
    super(message, context);
    this.field = context.field;
    this.problem = context.problem;
    this.source = context.source;
    this.secretId = context.secretId;
    this.versionId = context.versionId;
    this.step = context.step;
  }
}
