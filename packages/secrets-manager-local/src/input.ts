import { serialization, validation } from './errors.js';

interface StringRule {
  min?: number;
  max?: number;
  /** Secret material: constraint messages must not echo it. */
  sensitive?: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The service's validator names members in lower camel case ("secretId"). */
function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1);
}

function quote(value: string): string {
  return value.length > 256 ? `'${value.slice(0, 256)}...'` : `'${value}'`;
}

/**
 * Typed reads from a decoded JSON request body. Wrong JSON types are SerializationExceptions
 * and model constraint failures ValidationExceptions, as the service's front end answers them.
 */
export class Input {
  constructor(
    readonly body: Readonly<Record<string, unknown>>,
    readonly path = '',
  ) {}

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  #raw(field: string): unknown {
    const value = this.body[field];
    return value === null ? undefined : value;
  }

  #where(field: string): string {
    return `${this.path}${memberName(field)}`;
  }

  string(field: string, rule: StringRule = {}): string | undefined {
    const value = this.#raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw serialization(`Expected a string value for member ${field}.`);
    }
    this.#checkLength(field, value, value.length, rule);
    return value;
  }

  requiredString(field: string, rule: StringRule = {}): string {
    const value = this.string(field, rule);
    if (value === undefined) {
      throw validation(
        `Value null at '${this.#where(field)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  #checkLength(field: string, value: string, length: number, rule: StringRule): void {
    const shown = rule.sensitive ? '' : ` ${quote(value)}`;
    if (rule.min !== undefined && length < rule.min) {
      throw validation(
        `Value${shown} at '${this.#where(field)}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`,
      );
    }
    if (rule.max !== undefined && length > rule.max) {
      throw validation(
        `Value${shown} at '${this.#where(field)}' failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`,
      );
    }
  }

  boolean(field: string): boolean | undefined {
    const value = this.#raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean')
      throw serialization(`Expected a boolean value for member ${field}.`);
    return value;
  }

  integer(field: string, range: { min?: number; max?: number } = {}): number | undefined {
    const value = this.#raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw serialization(`Expected an integer value for member ${field}.`);
    }
    if (range.min !== undefined && value < range.min) {
      throw validation(
        `Value '${value}' at '${this.#where(field)}' failed to satisfy constraint: Member must have value greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && value > range.max) {
      throw validation(
        `Value '${value}' at '${this.#where(field)}' failed to satisfy constraint: Member must have value less than or equal to ${range.max}`,
      );
    }
    return value;
  }

  /** A blob member: base64 in JSON. `maxBytes` applies to the decoded bytes. */
  blob(field: string, rule: { minBytes?: number; maxBytes?: number } = {}): Buffer | undefined {
    const value = this.#raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !BASE64.test(value)) {
      throw serialization(`Expected a base64-encoded blob for member ${field}.`);
    }
    const bytes = Buffer.from(value, 'base64');
    if (rule.minBytes !== undefined && bytes.length < rule.minBytes) {
      throw validation(
        `Value at '${this.#where(field)}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.minBytes}`,
      );
    }
    if (rule.maxBytes !== undefined && bytes.length > rule.maxBytes) {
      throw validation(
        `Value at '${this.#where(field)}' failed to satisfy constraint: Member must have length less than or equal to ${rule.maxBytes}`,
      );
    }
    return bytes;
  }

  list(field: string, range: { min?: number; max?: number } = {}): unknown[] | undefined {
    const value = this.#raw(field);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw serialization(`Expected a list value for member ${field}.`);
    if (range.min !== undefined && value.length < range.min) {
      throw validation(
        `Value at '${this.#where(field)}' failed to satisfy constraint: Member must have length greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && value.length > range.max) {
      throw validation(
        `Value at '${this.#where(field)}' failed to satisfy constraint: Member must have length less than or equal to ${range.max}`,
      );
    }
    return value;
  }

  stringList(
    field: string,
    range: { min?: number; max?: number } = {},
    item: StringRule = {},
  ): string[] | undefined {
    const list = this.list(field, range);
    if (list === undefined) return undefined;
    return list.map((entry) => {
      if (typeof entry !== 'string')
        throw serialization(`Expected a list of strings for member ${field}.`);
      this.#checkLength(field, entry, entry.length, item);
      return entry;
    });
  }

  structures(field: string, range: { min?: number; max?: number } = {}): Input[] | undefined {
    const list = this.list(field, range);
    if (list === undefined) return undefined;
    return list.map((entry, index) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw serialization(`Expected a list of structures for member ${field}.`);
      }
      return new Input(
        entry as Record<string, unknown>,
        `${this.path}${memberName(field)}.${index + 1}.member.`,
      );
    });
  }

  structure(field: string): Input | undefined {
    const value = this.#raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw serialization(`Expected a structure for member ${field}.`);
    }
    return new Input(value as Record<string, unknown>, `${this.path}${memberName(field)}.`);
  }
}
