import { inspect } from 'node:util';
import { SecretFormatError } from '@rotakit/core';
import { hideFromPrinting, REDACTED, redactSecretJson } from '../redact.js';

/**
 * One version of a secret as Secrets Manager returned it. The secret material is reachable
 * only through `secretString` / `secretBinary`; printing or serialising the object shows
 * the metadata and `[redacted]`.
 */
export class SecretValue {
  /** The secret's ARN. */
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly versionStages: readonly string[];
  readonly createdDate: Date | undefined;
  /** When this process received the value (epoch ms). */
  readonly fetchedAt: number;
  readonly #secretString: string | undefined;
  readonly #secretBinary: Uint8Array | undefined;
  #json: Readonly<Record<string, unknown>> | undefined;

  constructor(init: {
    arn: string;
    name: string;
    versionId: string;
    versionStages: readonly string[];
    createdDate?: Date | undefined;
    fetchedAt: number;
    secretString?: string | undefined;
    secretBinary?: Uint8Array | undefined;
  }) {
    this.arn = init.arn;
    this.name = init.name;
    this.versionId = init.versionId;
    this.versionStages = Object.freeze([...init.versionStages]);
    this.createdDate = init.createdDate;
    this.fetchedAt = init.fetchedAt;
    this.#secretString = init.secretString;
    this.#secretBinary = init.secretBinary;
    Object.freeze(this);
  }

  get secretString(): string | undefined {
    return this.#secretString;
  }

  get secretBinary(): Uint8Array | undefined {
    return this.#secretBinary;
  }

  /**
   * The SecretString parsed as a JSON object, parsed once per value. The returned object is
   * frozen and prints redacted.
   */
  json(): Readonly<Record<string, unknown>> {
    if (this.#json) return this.#json;
    const text = this.#secretString;
    if (text === undefined) {
      throw new SecretFormatError(
        `Secret ${this.name} (version ${this.versionId}) has no SecretString`,
        { secretId: this.arn, versionId: this.versionId, field: 'SecretString' },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the text, which is the secret: do not forward it.
      throw new SecretFormatError(
        `Secret ${this.name} (version ${this.versionId}): SecretString is not valid JSON (${text.length} characters)`,
        { secretId: this.arn, versionId: this.versionId, field: 'SecretString' },
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SecretFormatError(
        `Secret ${this.name} (version ${this.versionId}): SecretString is JSON but not an object`,
        { secretId: this.arn, versionId: this.versionId, field: 'SecretString' },
      );
    }
    const json = parsed as Record<string, unknown>;
    hideFromPrinting(json, () => redactSecretJson(json));
    this.#json = Object.freeze(json);
    return this.#json;
  }

  toJSON(): Record<string, unknown> {
    return {
      arn: this.arn,
      name: this.name,
      versionId: this.versionId,
      versionStages: this.versionStages,
      createdDate: this.createdDate,
      secretString: this.#secretString === undefined ? undefined : REDACTED,
      secretBinary: this.#secretBinary === undefined ? undefined : REDACTED,
    };
  }

  toString(): string {
    return `SecretValue(${this.name}, version ${this.versionId})`;
  }

  [inspect.custom](_depth: number, options: Parameters<typeof inspect>[1]): string {
    return `SecretValue ${inspect(this.toJSON(), options)}`;
  }
}
