/**
 * Alternating users on PostgreSQL: the clone is the original under another name. It is a
 * member of the original (INHERIT, SET) and every session of it starts as the original
 * (`ALTER ROLE <clone> SET role = <original>`), so whatever either user creates is owned by
 * the original and fully usable by both, across any number of rotations, and whatever is
 * granted to the original reaches both at once. Privileges granted to the clone directly are
 * copied to the original at every rotation, and the original's per-role settings to the
 * clone. Why this and not the AWS template's bare membership or a shared owner role:
 * docs/engines.md.
 *
 * Every sync runs in one transaction: a crash at any statement leaves the roles as they were,
 * and running it again finds nothing to do but the password.
 */
import { quoteIdentifier, quoteLiteral, scramSha256Verifier } from '@rotakit/engine-postgres';
import type { ClientBase } from 'pg';
import {
  AccountCopyError,
  AdminOptionRequiredError,
  CloneNameTooLongError,
  UnsafeIdentifierError,
} from '../../errors.js';
import type { SyncAccountParams, SyncAccountResult } from '../driver.js';
import {
  hasAdminOption,
  hasPrivilegesOf,
  hasRoleSetting,
  type MissingMembership,
  type RoleRow,
  readDependencies,
  readMembership,
  readMissingMemberships,
  readMissingPrivileges,
  readRole,
  readSession,
  runStatement,
  type SessionRow,
} from './account-catalog.js';
import {
  describePrivilege,
  grantPrivilegeSql,
  type MissingPrivilege,
} from './account-privileges.js';
import { mirrorSettings } from './account-settings.js';

/** PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1); longer names are truncated. */
const MAX_ROLE_NAME_BYTES = 63;

export interface PostgresSyncParams extends SyncAccountParams {
  /** The server's major version (16 changed what CREATEROLE may do). */
  serverMajor: number;
}

/** The two roles of alternating users: the one that owns everything, and its alias. */
interface RolePair {
  readonly session: SessionRow;
  readonly serverMajor: number;
  /** Owns what either user creates: the first user, whichever name the secret holds now. */
  readonly owner: RoleRow;
  /** Logs in and acts as the owner; undefined when it does not exist yet. */
  readonly clone: RoleRow | undefined;
  readonly cloneName: string;
  /** The role whose password is set: the owner or the clone. */
  readonly targetName: string;
}

/**
 * Makes `targetUsername` the other user of `source` (creating it if needed), then sets its
 * password, sent as a SCRAM-SHA-256 verifier. Run as the master user. No privilege is
 * revoked: both users are one identity, so a privilege either holds is kept. The clone gets
 * the original's per-role settings; `revokeExtra` also resets the clone's others.
 *
 * @example
 * await syncPostgresAccount(masterClient, {
 *   source: { username: 'app', host: '%' }, targetUsername: 'app_clone',
 *   password, revokeExtra: true, serverMajor: 17,
 * });
 */
export async function syncPostgresAccount(
  client: ClientBase,
  params: PostgresSyncParams,
): Promise<SyncAccountResult> {
  assertRoleNames(params);
  const verifier = scramSha256Verifier(params.password);
  await runStatement(client, 'BEGIN', 'BEGIN');
  try {
    const result = await syncInTransaction(client, params, verifier);
    await runStatement(client, 'COMMIT', 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function syncInTransaction(
  client: ClientBase,
  params: PostgresSyncParams,
  verifier: string,
): Promise<SyncAccountResult> {
  const pair = await readPair(client, params);
  if (pair.targetName === pair.owner.name) {
    await requireAdminOption(client, pair, pair.owner, 'change its password');
  }
  if (pair.clone) {
    await requireAdminOption(client, pair, pair.clone, 'keep it a copy of the original');
    await assertNothingElsewhere(client, pair, pair.clone);
  }
  const clone = pair.clone ?? (await createClone(client, pair));
  let granted = await makeCloneActAsOwner(client, pair, clone);
  await mirrorSettings(client, pair.owner, clone, params.revokeExtra);
  await reassignOwnedByClone(client, pair, clone);
  granted += await copyCloneGrantsToOwner(client, pair, clone);
  await runStatement(
    client,
    'ALTER ROLE PASSWORD',
    `ALTER ROLE ${quoteIdentifier(pair.targetName)} LOGIN PASSWORD ${quoteLiteral(verifier)}`,
    [],
    { secret: true },
  );
  return {
    target: { username: params.targetUsername, host: params.source.host },
    created: pair.clone === undefined,
    granted,
    revoked: 0,
  };
}

function assertRoleNames(params: PostgresSyncParams): void {
  for (const name of [params.source.username, params.targetUsername]) {
    if (name.length === 0) throw UnsafeIdentifierError.of('username', 'it is empty');
    if (name.includes('\0')) {
      throw UnsafeIdentifierError.of('username', 'it contains a NUL character');
    }
  }
  if (Buffer.byteLength(params.targetUsername, 'utf8') > MAX_ROLE_NAME_BYTES) {
    throw CloneNameTooLongError.of({
      username: params.source.username,
      cloneUsername: params.targetUsername,
      limit: MAX_ROLE_NAME_BYTES,
      limitSource: 'server',
    });
  }
}

/**
 * Which role owns: the target when the source is already its member (the clone is the
 * current user: the roles swapped), else the source. A target that exists but is neither is
 * not a clone: merging an unrelated role into the user would hand it the user's objects.
 */
async function readPair(client: ClientBase, params: PostgresSyncParams): Promise<RolePair> {
  const session = await readSession(client);
  const source = await readRole(client, params.source.username);
  if (!source) {
    throw new AccountCopyError(
      `Cannot copy role ${JSON.stringify(params.source.username)}: it does not exist on the server`,
    );
  }
  const target = await readRole(client, params.targetUsername);
  const base = { session, serverMajor: params.serverMajor, targetName: params.targetUsername };
  if (!target) {
    return { ...base, owner: source, clone: undefined, cloneName: params.targetUsername };
  }
  if (await readMembership(client, target, source, params.serverMajor)) {
    return { ...base, owner: target, clone: source, cloneName: source.name };
  }
  if (await readMembership(client, source, target, params.serverMajor)) {
    return { ...base, owner: source, clone: target, cloneName: target.name };
  }
  throw new AccountCopyError(
    `Role ${JSON.stringify(target.name)} exists but is not a member of ${JSON.stringify(source.name)}, so it is no clone of it; rotakit will not merge an unrelated role into ${JSON.stringify(source.name)}. Drop it, or make it the clone with: GRANT ${quoteIdentifier(source.name)} TO ${quoteIdentifier(target.name)};`,
  );
}

/** Before 16 CREATEROLE was enough; since, the master needs ADMIN OPTION on the role. */
async function requireAdminOption(
  client: ClientBase,
  pair: RolePair,
  role: RoleRow,
  needed: string,
): Promise<void> {
  if (pair.serverMajor < 16 || pair.session.superuser) return;
  if (await hasAdminOption(client, role)) return;
  throw AdminOptionRequiredError.of({
    role: role.name,
    master: pair.session.user,
    needed,
    serverMajor: pair.serverMajor,
  });
}

/**
 * Objects the clone owns, or privileges it holds, in another database cannot be handed to
 * the owner from this session; once the clone acts as the owner they would be out of its
 * reach. Refused, with what to run there.
 */
async function assertNothingElsewhere(
  client: ClientBase,
  pair: RolePair,
  clone: RoleRow,
): Promise<void> {
  const elsewhere = (await readDependencies(client, clone)).filter(
    (row) => row.databaseOid !== 0 && row.databaseOid !== pair.session.databaseOid,
  );
  if (elsewhere.length === 0) return;
  const where = elsewhere
    .map(
      (row) => `${JSON.stringify(row.database)} (${row.owned} owned, ${row.privileges} privileges)`,
    )
    .join(', ');
  throw new AccountCopyError(
    `Role ${JSON.stringify(clone.name)} owns objects or holds privileges in other databases than ${JSON.stringify(pair.session.database)}, where this session is: ${where}. They would be out of its reach once it acts as ${JSON.stringify(pair.owner.name)}. The rotation works in the database the secret names (its dbname): run there as a role with the privileges of both: REASSIGN OWNED BY ${quoteIdentifier(clone.name)} TO ${quoteIdentifier(pair.owner.name)}; and grant ${quoteIdentifier(pair.owner.name)} the privileges ${quoteIdentifier(clone.name)} holds there.`,
  );
}

/** NOLOGIN until the password statement, in the same transaction, opens it. */
async function createClone(client: ClientBase, pair: RolePair): Promise<RoleRow> {
  await runStatement(
    client,
    'CREATE ROLE',
    `CREATE ROLE ${quoteIdentifier(pair.cloneName)} NOLOGIN`,
  );
  const clone = await readRole(client, pair.cloneName);
  if (!clone) {
    throw new AccountCopyError(`CREATE ROLE ${JSON.stringify(pair.cloneName)} left no role`);
  }
  return clone;
}

/** Membership (INHERIT, SET) in the owner and `SET role = <owner>`; returns the grants made. */
async function makeCloneActAsOwner(
  client: ClientBase,
  pair: RolePair,
  clone: RoleRow,
): Promise<number> {
  const { owner, serverMajor } = pair;
  const membership = await readMembership(client, owner, clone, serverMajor);
  let granted = 0;
  if (!membership?.set || (serverMajor >= 16 && !membership.inherit)) {
    await requireAdminOption(client, pair, owner, `grant it to ${JSON.stringify(clone.name)}`);
    const options = serverMajor >= 16 ? ' WITH INHERIT TRUE, SET TRUE' : '';
    await runStatement(
      client,
      'GRANT ROLE',
      `GRANT ${quoteIdentifier(owner.name)} TO ${quoteIdentifier(clone.name)}${options}`,
    );
    granted = 1;
  }
  // Before 16 the member's INHERIT attribute decides whether its memberships inherit.
  if (serverMajor < 16 && !clone.inherit) {
    await runStatement(
      client,
      'ALTER ROLE INHERIT',
      `ALTER ROLE ${quoteIdentifier(clone.name)} INHERIT`,
    );
  }
  if (!(await hasRoleSetting(client, clone, owner))) {
    await runStatement(
      client,
      'ALTER ROLE SET role',
      `ALTER ROLE ${quoteIdentifier(clone.name)} SET role = ${quoteIdentifier(owner.name)}`,
    );
  }
  return granted;
}

/**
 * Hands the owner what the clone owns here (an AWS-template clone's tables, or objects made
 * after `SET ROLE NONE`). REASSIGN OWNED needs the privileges of both roles: the master
 * borrows the clone's (and through it the owner's) for the statement.
 */
async function reassignOwnedByClone(
  client: ClientBase,
  pair: RolePair,
  clone: RoleRow,
): Promise<void> {
  const owned = (await readDependencies(client, clone)).some(
    (row) =>
      row.owned > 0 && (row.databaseOid === 0 || row.databaseOid === pair.session.databaseOid),
  );
  if (!owned) return;
  const cloneSql = quoteIdentifier(clone.name);
  const me = quoteIdentifier(pair.session.user);
  const borrow = !(await hasPrivilegesOf(client, clone));
  if (borrow) {
    const options = pair.serverMajor >= 16 ? ' WITH INHERIT TRUE' : '';
    await runStatement(client, 'GRANT ROLE', `GRANT ${cloneSql} TO ${me}${options}`);
  }
  await runStatement(
    client,
    'REASSIGN OWNED',
    `REASSIGN OWNED BY ${cloneSql} TO ${quoteIdentifier(pair.owner.name)}`,
  );
  if (borrow) await runStatement(client, 'REVOKE ROLE', `REVOKE ${cloneSql} FROM ${me}`);
}

/**
 * What was granted to the clone directly (role memberships, privileges here and on shared
 * objects) is granted to the owner too, so it reaches both users; then checked.
 */
async function copyCloneGrantsToOwner(
  client: ClientBase,
  pair: RolePair,
  clone: RoleRow,
): Promise<number> {
  const { owner } = pair;
  const ownerSql = quoteIdentifier(owner.name);
  let granted = 0;
  for (const membership of await readMissingMemberships(client, clone, owner, owner)) {
    granted += await grantMembership(client, pair, membership);
  }
  for (const missing of await readMissingPrivileges(client, clone, owner, pair.serverMajor)) {
    const sql = grantPrivilegeSql(missing, ownerSql);
    if (sql === undefined) continue;
    await runStatement(client, 'GRANT', sql);
    granted += 1;
  }
  const left = await readMissingPrivileges(client, clone, owner, pair.serverMajor);
  if (left.length > 0) throw notCopiedError(pair, clone, left);
  return granted;
}

async function grantMembership(
  client: ClientBase,
  pair: RolePair,
  membership: MissingMembership,
): Promise<number> {
  const role: RoleRow = {
    oid: membership.roleOid,
    name: membership.role,
    superuser: false,
    inherit: true,
  };
  await requireAdminOption(client, pair, role, `grant it to ${JSON.stringify(pair.owner.name)}`);
  await runStatement(
    client,
    'GRANT ROLE',
    `GRANT ${quoteIdentifier(role.name)} TO ${quoteIdentifier(pair.owner.name)}${membership.admin ? ' WITH ADMIN OPTION' : ''}`,
  );
  return 1;
}

// GRANT by a role without the grant option only warns ("no privileges were granted").
function notCopiedError(pair: RolePair, clone: RoleRow, left: readonly MissingPrivilege[]) {
  const shown = left.slice(0, 10).map(describePrivilege).join('; ');
  const more = left.length > 10 ? `; and ${left.length - 10} more` : '';
  return new AccountCopyError(
    `Could not give ${JSON.stringify(pair.owner.name)} the privileges granted to ${JSON.stringify(clone.name)}: ${shown}${more}. The master ${JSON.stringify(pair.session.user)} must own these objects or hold the privileges WITH GRANT OPTION; or have their owner grant them to ${quoteIdentifier(pair.owner.name)}.`,
  );
}
