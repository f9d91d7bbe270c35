/**
 * Per-role settings (`ALTER ROLE ... [IN DATABASE ...] SET name = value`). PostgreSQL applies
 * the login role's, so a session of the clone would miss the original's `search_path`,
 * `statement_timeout`, ... unless the clone carries the same ones. Values come from the
 * catalog, which the original itself may write: every value is quoted, never spliced.
 */
import { quoteIdentifier, quoteLiteral } from '@rotakit/engine-postgres';
import type { ClientBase } from 'pg';
import { AccountCopyError, DatabaseError } from '../../errors.js';
import { type RoleRow, runStatement } from './account-catalog.js';

/** One `name=value` of pg_db_role_setting. */
export interface RoleSetting {
  /** Undefined: every database. */
  readonly database: string | undefined;
  readonly name: string;
  readonly value: string;
}

// The clone's `role` setting is what makes it act as the owner: handled on its own.
const MANAGED = 'role';

// GUC names: identifiers, custom ones with dots (`myapp.tenant`).
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$/;

/**
 * Lists whose elements the server keeps as quoted identifiers (GUC_LIST_QUOTE; pg_dump's
 * `variable_is_guc_list_quote`): a single literal would become one element.
 */
const IDENTIFIER_LISTS = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
]);

// What the server stores for such a list: simple or double-quoted identifiers, ", "-separated.
const IDENTIFIER = '(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)';
const IDENTIFIER_LIST = new RegExp(`^${IDENTIFIER}(?:, ${IDENTIFIER})*$`);

export async function readSettings(client: ClientBase, role: RoleRow): Promise<RoleSetting[]> {
  const rows = await runStatement(
    client,
    'SELECT pg_db_role_setting',
    `SELECT d.datname AS database, split_part(c, '=', 1) AS name,
       substr(c, strpos(c, '=') + 1) AS value
     FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase,
       unnest(s.setconfig) c
     WHERE s.setrole = $1 ORDER BY 1, 2`,
    [role.oid],
  );
  return (rows as unknown as RoleSetting[])
    .map((row) => ({ ...row, database: row.database ?? undefined }))
    .filter((row) => row.name.toLowerCase() !== MANAGED);
}

const keyOf = (setting: RoleSetting) => `${setting.database ?? ''}\u0000${setting.name}`;

function scopeSql(setting: RoleSetting): string {
  return setting.database === undefined ? '' : ` IN DATABASE ${quoteIdentifier(setting.database)}`;
}

/** `name = 'value'`, or the identifier list as the server stores it. @internal */
export function assignmentSql(setting: RoleSetting): string {
  if (!SETTING_NAME.test(setting.name)) {
    throw new AccountCopyError(
      `Cannot copy the setting ${JSON.stringify(setting.name)}: not a parameter name`,
    );
  }
  if (!IDENTIFIER_LISTS.has(setting.name.toLowerCase())) {
    return `${setting.name} = ${quoteLiteral(setting.value)}`;
  }
  if (!IDENTIFIER_LIST.test(setting.value)) {
    throw new AccountCopyError(
      `Cannot copy the setting ${setting.name}: its value is not a list of identifiers`,
    );
  }
  return `${setting.name} = ${setting.value}`;
}

/**
 * Gives the clone the owner's settings (and, with `resetExtra`, drops the clone's others);
 * returns how many statements that took. A parameter only a superuser may set is refused
 * with the statement to run as one.
 */
export async function mirrorSettings(
  client: ClientBase,
  owner: RoleRow,
  clone: RoleRow,
  resetExtra: boolean,
): Promise<number> {
  const wanted = await readSettings(client, owner);
  const present = new Map((await readSettings(client, clone)).map((s) => [keyOf(s), s]));
  const cloneSql = quoteIdentifier(clone.name);
  let changes = 0;
  for (const setting of wanted) {
    if (present.get(keyOf(setting))?.value === setting.value) continue;
    const sql = `ALTER ROLE ${cloneSql}${scopeSql(setting)} SET ${assignmentSql(setting)}`;
    await setOrExplain(client, sql, setting);
    changes += 1;
  }
  if (!resetExtra) return changes;
  const wantedKeys = new Set(wanted.map(keyOf));
  for (const setting of present.values()) {
    if (wantedKeys.has(keyOf(setting)) || !SETTING_NAME.test(setting.name)) continue;
    await runStatement(
      client,
      'ALTER ROLE RESET',
      `ALTER ROLE ${cloneSql}${scopeSql(setting)} RESET ${setting.name}`,
    );
    changes += 1;
  }
  return changes;
}

async function setOrExplain(client: ClientBase, sql: string, setting: RoleSetting) {
  try {
    await runStatement(client, 'ALTER ROLE SET', sql);
  } catch (error) {
    if (!(error instanceof DatabaseError && error.sqlState === '42501')) throw error;
    // The value stays out of the message: it is the original's, and logs travel further.
    throw new AccountCopyError(
      `The master may not give the clone the original's setting ${setting.name}${scopeSql(setting)} (SQLSTATE 42501: only a superuser may set it). As a superuser, run ALTER ROLE ... SET ${setting.name} for the clone with the value pg_db_role_setting shows for the original.`,
      { cause: error },
    );
  }
}
