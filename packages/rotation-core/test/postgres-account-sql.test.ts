import { describe, expect, it } from 'vitest';
import {
  describePrivilege,
  grantPrivilegeSql,
  type MissingPrivilege,
  missingPrivilegesQuery,
} from '../src/database/postgres/account-privileges.js';
import { assignmentSql } from '../src/database/postgres/account-settings.js';
import { AccountCopyError } from '../src/errors.js';

const column: MissingPrivilege = {
  what: 'column',
  privilege: 'UPDATE',
  grantable: true,
  on: 'TABLE "we ird"."T x"',
  columns: ' ("c ol")',
};

describe('PostgreSQL account copies: the SQL built from catalog text', () => {
  it('renders a GRANT from the names the server quoted', () => {
    expect(grantPrivilegeSql(column, '"app"')).toBe(
      'GRANT UPDATE ("c ol") ON TABLE "we ird"."T x" TO "app" WITH GRANT OPTION',
    );
    expect(describePrivilege(column)).toBe(
      'UPDATE ("c ol") on TABLE "we ird"."T x" with grant option',
    );
    const alterSystem = { ...column, privilege: 'ALTER SYSTEM', grantable: false, columns: '' };
    expect(grantPrivilegeSql({ ...alterSystem, on: 'PARAMETER work_mem' }, '"app"')).toBe(
      'GRANT ALTER SYSTEM ON PARAMETER work_mem TO "app"',
    );
  });

  it('puts no privilege name it does not know into a statement', () => {
    for (const privilege of ['SELECT; DROP TABLE x', 'select', 'ALL PRIVILEGES ON x', '']) {
      expect(grantPrivilegeSql({ ...column, privilege }, '"app"')).toBeUndefined();
    }
  });

  it('asks pg_parameter_acl only from PostgreSQL 15 on', () => {
    expect(missingPrivilegesQuery(14)).not.toContain('pg_parameter_acl');
    expect(missingPrivilegesQuery(15)).toContain('pg_parameter_acl');
    expect(missingPrivilegesQuery(17).split(' UNION ALL ')).toHaveLength(12);
  });

  it('quotes setting values, and takes an identifier list only as the server stores one', () => {
    const setting = (name: string, value: string) => ({ database: undefined, name, value });
    expect(assignmentSql(setting('statement_timeout', "5s'; DROP ROLE x; --"))).toBe(
      "statement_timeout = '5s''; DROP ROLE x; --'",
    );
    expect(assignmentSql(setting('search_path', '"My ""s""", "$user", public'))).toBe(
      'search_path = "My ""s""", "$user", public',
    );
    for (const value of ['public; DROP ROLE x', '"a"; x', 'Public', '"unclosed']) {
      expect(() => assignmentSql(setting('search_path', value))).toThrow(AccountCopyError);
    }
    expect(() => assignmentSql(setting('x; DROP ROLE y', '1'))).toThrow(AccountCopyError);
  });
});
