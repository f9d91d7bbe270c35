import { inspect } from 'node:util';
import { driverFor } from '../database/by-engine.js';
import type { DatabaseSession, DatabaseTarget } from '../database/driver.js';
import { CREDENTIAL_LABEL, type CredentialRole } from '../errors.js';
import type { DatabaseSecret } from '../secret.js';
import type { StepContext } from './context.js';

/** What a caller may set instead of the secret's own values (the master's endpoint and database). */
export type TargetOverrides = Partial<
  Pick<DatabaseTarget, 'host' | 'port' | 'ssl' | 'engine' | 'database'>
>;

/** The login target for a secret; `overrides` replace its fields (previous uses current's ssl). */
export function targetOf(
  ctx: StepContext,
  secret: DatabaseSecret,
  overrides: TargetOverrides = {},
): DatabaseTarget {
  const engine = overrides.engine ?? secret.engine;
  const target: DatabaseTarget = {
    host: overrides.host ?? secret.host,
    port: overrides.port ?? secret.port ?? driverFor(ctx.options.database, engine).defaultPort,
    username: secret.username,
    password: secret.password,
    database: 'database' in overrides ? overrides.database : secret.dbname,
    ssl: 'ssl' in overrides ? overrides.ssl : secret.ssl,
    engine,
  };
  hidePasswordWhenPrinted(target);
  return target;
}

// A driver may log its target: print it without the password. The hooks are not
// enumerable, so a driver that spreads or iterates the target sees only its fields.
function hidePasswordWhenPrinted(target: DatabaseTarget): void {
  const printable = () => ({ ...target, password: '[redacted]' });
  Object.defineProperties(target, {
    toJSON: { value: printable, enumerable: false },
    [inspect.custom]: { value: printable, enumerable: false },
  });
}

/** Logs in, with the connect timeout fitted into the budget and every statement reported. */
export function connect(
  ctx: StepContext,
  target: DatabaseTarget,
  credentials: CredentialRole,
): Promise<DatabaseSession> {
  const { options, budget } = ctx;
  recordDatabase(ctx, target);
  const connectTimeoutMs = budget.timeoutFor(
    `logging in to the database with the ${CREDENTIAL_LABEL[credentials]} credentials`,
    options.timeouts.connectTimeoutMs,
  );
  return options.database.connect(target, {
    credentials,
    connectTimeoutMs,
    queryTimeoutMs: budget.fit(options.timeouts.queryTimeoutMs),
    signal: budget.signal,
    tls: options.tls,
    logger: ctx.logger,
    onStatement: (phase, statement) => ctx.boundary(phase, 'sql', statement),
  });
}

// The failure diagnosis probes this database. The engine is the secret's; a secret without
// one (an RDS-managed master secret) is spoken to in the driver's engine.
function recordDatabase(ctx: StepContext, target: DatabaseTarget): void {
  ctx.diagnostics.database = {
    host: target.host,
    port: target.port,
    engine: target.engine ?? ctx.options.database.engines[0],
  };
}

/** Runs `fn` with a session and always closes it. */
export async function withSession<T>(
  session: DatabaseSession,
  fn: (session: DatabaseSession) => Promise<T>,
): Promise<T> {
  try {
    return await fn(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}
