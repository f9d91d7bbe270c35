/**
 * The privileges granted directly to one role, per ACL catalog, as PostgreSQL itself renders
 * them: every object name in the GRANT text comes from the server's `format('%I')`, so no
 * identifier is quoted on our side. Large objects and default privileges are not copied (see
 * docs/engines.md).
 */

/** One catalog whose rows carry an ACL, and how a GRANT names its objects. */
interface AclCatalog {
  /** What the object is, for messages (`table`, `schema`). */
  readonly what: string;
  /** `FROM ... , aclexplode(<acl>) a` and the joins that name the object. */
  readonly from: string;
  /** SQL text of `ON ...` (the object as GRANT names it). */
  readonly on: string;
  /** SQL text of a column list (`("c")`), or `''`. */
  readonly columns?: string;
  /** `has_*_privilege(...)` for the role `$2` and the privilege text `p`. */
  readonly has: string;
  /** Oldest major that has the catalog. */
  readonly sinceMajor?: number;
  /** Extra row filter. */
  readonly where?: string;
}

const CATALOGS: readonly AclCatalog[] = [
  {
    what: 'database',
    from: 'pg_database o, aclexplode(o.datacl) a',
    on: "'DATABASE ' || quote_ident(o.datname)",
    has: 'has_database_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'tablespace',
    from: 'pg_tablespace o, aclexplode(o.spcacl) a',
    on: "'TABLESPACE ' || quote_ident(o.spcname)",
    has: 'has_tablespace_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'parameter',
    from: 'pg_parameter_acl o, aclexplode(o.paracl) a',
    on: "'PARAMETER ' || o.parname",
    has: 'has_parameter_privilege($2::oid, o.parname, p)',
    sinceMajor: 15,
  },
  {
    what: 'schema',
    from: 'pg_namespace o, aclexplode(o.nspacl) a',
    on: "'SCHEMA ' || quote_ident(o.nspname)",
    has: 'has_schema_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'table',
    from: 'pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace, aclexplode(o.relacl) a',
    on: "'TABLE ' || format('%I.%I', n.nspname, o.relname)",
    has: 'has_table_privilege($2::oid, o.oid, p)',
    where: "o.relkind IN ('r', 'p', 'v', 'm', 'f')",
  },
  {
    what: 'sequence',
    from: 'pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace, aclexplode(o.relacl) a',
    on: "'SEQUENCE ' || format('%I.%I', n.nspname, o.relname)",
    has: 'has_sequence_privilege($2::oid, o.oid, p)',
    where: "o.relkind = 'S'",
  },
  {
    what: 'column',
    from: 'pg_attribute o JOIN pg_class c ON c.oid = o.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(o.attacl) a',
    on: "'TABLE ' || format('%I.%I', n.nspname, c.relname)",
    columns: "format(' (%I)', o.attname)",
    has: 'has_column_privilege($2::oid, c.oid, o.attnum, p)',
    where: 'o.attnum > 0 AND NOT o.attisdropped',
  },
  {
    what: 'routine',
    from: 'pg_proc o JOIN pg_namespace n ON n.oid = o.pronamespace, aclexplode(o.proacl) a',
    on: "'ROUTINE ' || format('%I.%I(%s)', n.nspname, o.proname, pg_get_function_identity_arguments(o.oid))",
    has: 'has_function_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'type',
    from: 'pg_type o JOIN pg_namespace n ON n.oid = o.typnamespace, aclexplode(o.typacl) a',
    on: "'TYPE ' || format('%I.%I', n.nspname, o.typname)",
    has: 'has_type_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'language',
    from: 'pg_language o, aclexplode(o.lanacl) a',
    on: "'LANGUAGE ' || quote_ident(o.lanname)",
    has: 'has_language_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'foreign data wrapper',
    from: 'pg_foreign_data_wrapper o, aclexplode(o.fdwacl) a',
    on: "'FOREIGN DATA WRAPPER ' || quote_ident(o.fdwname)",
    has: 'has_foreign_data_wrapper_privilege($2::oid, o.oid, p)',
  },
  {
    what: 'foreign server',
    from: 'pg_foreign_server o, aclexplode(o.srvacl) a',
    on: "'FOREIGN SERVER ' || quote_ident(o.srvname)",
    has: 'has_server_privilege($2::oid, o.oid, p)',
  },
];

/** A privilege one role holds directly and another lacks, ready to be granted. */
export interface MissingPrivilege {
  readonly what: string;
  /** `SELECT`, `USAGE`, ... (aclexplode's vocabulary). */
  readonly privilege: string;
  readonly grantable: boolean;
  /** `TABLE "s"."t"`, as the server rendered it. */
  readonly on: string;
  /** `' ("c")'` for a column privilege, else `''`. */
  readonly columns: string;
}

function missingQuery(catalog: AclCatalog): string {
  const privilege =
    "a.privilege_type || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END";
  return [
    `SELECT '${catalog.what}' AS what, a.privilege_type AS privilege, a.is_grantable AS grantable,`,
    `${catalog.on} AS "on", ${catalog.columns ?? "''"} AS columns`,
    `FROM ${catalog.from}, LATERAL (SELECT ${privilege} AS p) q`,
    `WHERE a.grantee = $1::oid${catalog.where ? ` AND ${catalog.where}` : ''}`,
    `AND NOT ${catalog.has}`,
  ].join(' ');
}

/**
 * One query listing every privilege granted directly to role `$1` (by oid) that role `$2`
 * does not hold (directly, through a membership, PUBLIC or ownership), in this database
 * and in the shared catalogs.
 */
export function missingPrivilegesQuery(serverMajor: number): string {
  return CATALOGS.filter((catalog) => (catalog.sinceMajor ?? 0) <= serverMajor)
    .map((catalog) => `(${missingQuery(catalog)})`)
    .join(' UNION ALL ');
}

// aclexplode's privilege names; anything else is not put into a statement.
const PRIVILEGE_NAME = /^[A-Z]+( [A-Z]+)?$/;

/** `GRANT <privilege> ON <object> TO <grantee>`, or undefined for an unknown privilege name. */
export function grantPrivilegeSql(
  missing: MissingPrivilege,
  granteeSql: string,
): string | undefined {
  if (!PRIVILEGE_NAME.test(missing.privilege)) return undefined;
  const option = missing.grantable ? ' WITH GRANT OPTION' : '';
  return `GRANT ${missing.privilege}${missing.columns} ON ${missing.on} TO ${granteeSql}${option}`;
}

/** `SELECT on TABLE "s"."t"`, for messages (object names only, never a value). */
export function describePrivilege(missing: MissingPrivilege): string {
  return `${missing.privilege}${missing.columns} on ${missing.on}${missing.grantable ? ' with grant option' : ''}`;
}
