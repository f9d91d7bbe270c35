import { driverFor } from '../database/by-engine.js';
import { type DatabaseSecret, parseSecret } from '../secret.js';
import { targetOf } from './connect.js';
import type { StepContext } from './context.js';
import { AWSCURRENT } from './stages.js';

async function readMaster(ctx: StepContext, masterArn: string): Promise<DatabaseSecret> {
  const value = await ctx.sm.getSecretValue(masterArn, { stage: AWSCURRENT });
  // An RDS-managed master secret holds only username and password.
  return parseSecret(value.SecretString, {
    source: 'master',
    engines: ctx.options.database.engines,
    requireEngine: false,
    requireHost: false,
  });
}

/** Where and as whom the master logs in: its secret, else the resolver's or the user's endpoint; in the user's database. */
export async function masterTarget(ctx: StepContext, current: DatabaseSecret) {
  const masterArn = current.masterarn as string;
  const master = await readMaster(ctx, masterArn);
  let host = master.host || undefined;
  let port = master.port;
  if (!host && ctx.options.masterEndpoint) {
    const found = await ctx.options.masterEndpoint(master, {
      masterArn,
      signal: ctx.budget.signal,
      describeMaster: () => ctx.sm.describeSecret(masterArn),
    });
    host = found?.host;
    port ??= found?.port;
  }
  return targetOf(ctx, master, {
    host: host ?? current.host,
    port: port ?? current.port ?? driverFor(ctx.options.database, current.engine).defaultPort,
    ssl: master.ssl ?? current.ssl,
    // The user's database, as the AWS templates do: on PostgreSQL what the master hands from
    // one user to the other (REASSIGN OWNED, grants on tables) exists per database.
    database: current.dbname ?? master.dbname,
    // An RDS-managed master secret names no engine: it is the user's database.
    engine: master.engine ?? current.engine,
  });
}
