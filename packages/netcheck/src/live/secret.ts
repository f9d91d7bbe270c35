/** The fields of a rotation secret (the AWS template format) that the checks use. */
export interface SecretInput {
  host: string;
  port?: number | string;
  engine?: string;
  username?: string;
  /** Used only for the optional login check; never reported. */
  password?: string;
  dbname?: string;
}

export interface DatabaseTarget {
  host: string;
  port: number;
  engine?: string;
  username?: string;
  dbname?: string;
}

export interface ParsedSecret {
  target: DatabaseTarget;
  /** Non-enumerable: `JSON.stringify` and `util.inspect` never show it. */
  readonly credentials?: { user: string; password: string };
}

const MYSQL_ENGINES = /^(mysql|mariadb|aurora|aurora-mysql)$/i;

export function isMysqlEngine(engine: string | undefined): boolean {
  return engine === undefined || MYSQL_ENGINES.test(engine);
}

/**
 * Reads host/port/engine/username from a secret object or SecretString. Problems are
 * described without quoting the secret.
 */
export function parseSecret(
  input: unknown,
): { ok: true; secret: ParsedSecret } | { ok: false; problem: string } {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return {
        ok: false,
        problem: 'the SecretString is not JSON (expected {"host", "port", "username", ...})',
      };
    }
  }
  if (typeof value !== 'object' || value === null) {
    return { ok: false, problem: 'the secret is not a JSON object' };
  }
  const v = value as Record<string, unknown>;
  if (typeof v.host !== 'string' || v.host.trim() === '') {
    return { ok: false, problem: 'the secret has no "host" string' };
  }
  const port = v.port === undefined || v.port === '' ? 3306 : Number(v.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, problem: 'the secret\'s "port" is not a TCP port' };
  }
  const target: DatabaseTarget = { host: v.host.trim(), port };
  if (typeof v.engine === 'string') target.engine = v.engine;
  if (typeof v.username === 'string') target.username = v.username;
  if (typeof v.dbname === 'string') target.dbname = v.dbname;
  const secret: ParsedSecret = { target };
  if (typeof v.username === 'string' && typeof v.password === 'string') {
    Object.defineProperty(secret, 'credentials', {
      value: Object.freeze({ user: v.username, password: v.password }),
      enumerable: false,
    });
  }
  return { ok: true, secret };
}
