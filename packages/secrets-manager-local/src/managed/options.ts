import { InvalidOptionError } from '../errors.js';
import { validateRotationRules } from '../schedule.js';
import type { RotationRules } from '../store.js';

/** The admin connection the simulated service changes the master password through. */
export interface RdsManagedDatabase {
  /** MySQL and MariaDB only (the password is changed with `ALTER USER`). */
  readonly engine: 'mysql';
  readonly host: string;
  readonly port: number;
  /** An account allowed to `ALTER USER` the managed user (the test server's admin). */
  readonly user: string;
  readonly password: string;
  /**
   * The host part of the managed account (`'username'@'accountHost'`).
   * @default '%'
   */
  readonly accountHost?: string;
}

/** What `createRdsManagedSecret` takes. */
export interface CreateRdsManagedSecretOptions {
  /** The DB cluster or instance that owns the secret: names it `rds!cluster-…` or `rds!db-…`. */
  readonly resource: { readonly type: 'cluster' | 'instance'; readonly identifier: string };
  /** The current master credentials (already valid on the database). */
  readonly username: string;
  readonly password: string;
  readonly database: RdsManagedDatabase;
  /**
   * Time between the password change on the database and the move of AWSCURRENT: the window
   * in which GetSecretValue still returns the replaced password.
   * @default 1000
   */
  readonly labelMoveDelayMs?: number;
  /** @default { AutomaticallyAfterDays: 7 } (RDS's default schedule) */
  readonly rotationRules?: {
    readonly AutomaticallyAfterDays?: number;
    readonly ScheduleExpression?: string;
  };
  /**
   * Whether the new version carries AWSPENDING during the window (see the guide: AWS's
   * documentation does not say; `false` simulates a service that labels it only when
   * AWSCURRENT moves).
   * @default true
   */
  readonly stagePending?: boolean;
}

/** The secret `createRdsManagedSecret` made. */
export interface RdsManagedSecret {
  readonly arn: string;
  readonly name: string;
}

/** The options once checked, defaults applied; frozen. */
export interface ResolvedRdsManagedOptions {
  readonly resource: CreateRdsManagedSecretOptions['resource'];
  readonly username: string;
  readonly password: string;
  readonly database: Required<RdsManagedDatabase>;
  readonly labelMoveDelayMs: number;
  readonly rotationRules: RotationRules;
  readonly stagePending: boolean;
}

export const DEFAULT_LABEL_MOVE_DELAY_MS = 1_000;
const DEFAULT_ROTATION_DAYS = 7;

export function resolveRdsManagedOptions(
  options: CreateRdsManagedSecretOptions,
): ResolvedRdsManagedOptions {
  const { resource, database } = options;
  if (resource?.type !== 'cluster' && resource?.type !== 'instance') {
    throw InvalidOptionError.of('resource.type', "expected 'cluster' or 'instance'");
  }
  requireText('resource.identifier', resource.identifier);
  requireText('username', options.username);
  requireText('password', options.password);
  if (database?.engine !== 'mysql') {
    throw InvalidOptionError.of('database.engine', "expected 'mysql' (MySQL or MariaDB)");
  }
  requireText('database.host', database.host);
  requireText('database.user', database.user);
  if (typeof database.password !== 'string') {
    throw InvalidOptionError.of('database.password', 'expected a string');
  }
  if (!(Number.isInteger(database.port) && database.port > 0 && database.port < 65_536)) {
    throw InvalidOptionError.of('database.port', 'expected a TCP port (1-65535)');
  }
  const labelMoveDelayMs = options.labelMoveDelayMs ?? DEFAULT_LABEL_MOVE_DELAY_MS;
  if (!(Number.isFinite(labelMoveDelayMs) && labelMoveDelayMs >= 0)) {
    throw InvalidOptionError.of('labelMoveDelayMs', 'expected a number of milliseconds >= 0');
  }
  return Object.freeze({
    resource: Object.freeze({ type: resource.type, identifier: resource.identifier }),
    username: options.username,
    password: options.password,
    database: Object.freeze({ ...database, accountHost: database.accountHost ?? '%' }),
    labelMoveDelayMs,
    rotationRules: resolveRules(options.rotationRules),
    stagePending: options.stagePending ?? true,
  });
}

function resolveRules(rules: CreateRdsManagedSecretOptions['rotationRules']): RotationRules {
  if (rules === undefined) return { automaticallyAfterDays: DEFAULT_ROTATION_DAYS };
  const resolved: RotationRules = {};
  if (rules.AutomaticallyAfterDays !== undefined)
    resolved.automaticallyAfterDays = rules.AutomaticallyAfterDays;
  if (rules.ScheduleExpression !== undefined)
    resolved.scheduleExpression = rules.ScheduleExpression;
  try {
    return validateRotationRules(resolved);
  } catch (cause) {
    throw InvalidOptionError.of('rotationRules', (cause as Error).message, { cause });
  }
}

function requireText(option: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw InvalidOptionError.of(option, 'expected a non-empty string');
  }
}
