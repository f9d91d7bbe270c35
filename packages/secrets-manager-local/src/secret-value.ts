import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Holds one version's SecretString or SecretBinary so that logging, `util.inspect` or
 * `JSON.stringify` of internal state never shows it; only `text`/`bytes` read it.
 */
export class SecretValue {
  readonly #text: string | undefined;
  readonly #bytes: Buffer | undefined;

  private constructor(text: string | undefined, bytes: Buffer | undefined) {
    this.#text = text;
    this.#bytes = bytes;
  }

  static fromString(text: string): SecretValue {
    return new SecretValue(text, undefined);
  }

  static fromBytes(bytes: Buffer): SecretValue {
    return new SecretValue(undefined, Buffer.from(bytes));
  }

  get kind(): 'string' | 'binary' {
    return this.#text === undefined ? 'binary' : 'string';
  }

  get text(): string | undefined {
    return this.#text;
  }

  get bytes(): Buffer | undefined {
    return this.#bytes;
  }

  equals(other: SecretValue): boolean {
    if (this.#text !== undefined) return this.#text === other.#text;
    const mine = this.#bytes;
    return mine !== undefined && other.#bytes !== undefined && mine.equals(other.#bytes);
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretValue(${this.kind}) ${REDACTED}`;
  }
}
