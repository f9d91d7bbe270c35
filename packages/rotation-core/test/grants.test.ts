import { describe, expect, it } from 'vitest';
import {
  collectGrants,
  diffGrants,
  grantStatements,
  parseGrantLine,
  revokeStatements,
  tokenize,
} from '../src/database/mysql/grants.js';

const account = { username: 'app', host: '%' };
const render = { noBackslashEscapes: false, roleHosts: true };

describe('SHOW GRANTS parsing', () => {
  it('tokenizes quotes, doubled quotes and backslashes', () => {
    expect(tokenize("GRANT `a``b` 'it''s' 'x\\'y' \"q\"")).toEqual([
      { kind: 'word', value: 'GRANT' },
      { kind: 'ident', value: 'a`b' },
      { kind: 'string', value: "it's" },
      { kind: 'string', value: "x'y" },
      { kind: 'string', value: 'q' },
    ]);
    // Backslashes are literal inside identifiers (escaped wildcards in database names).
    expect(tokenize('`d\\_x`')).toEqual([{ kind: 'ident', value: 'd\\_x' }]);
  });

  it('reads a MariaDB USAGE line without keeping the password hash', () => {
    const line = parseGrantLine(
      "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3' REQUIRE SSL WITH MAX_USER_CONNECTIONS 7",
    );
    expect(line).toMatchObject({ type: 'privileges', grantOption: false });
    const set = collectGrants(
      ["GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2B60' WITH GRANT OPTION"],
      account,
    );
    const statements = grantStatements(set, "'c'@'%'", render);
    expect(statements.map((s) => s.sql)).toEqual([
      "GRANT USAGE ON *.* TO 'c'@'%' WITH GRANT OPTION",
    ]);
    expect(JSON.stringify(statements)).not.toContain('2B60');
  });

  it('reads MySQL 8 lines: dynamic privileges, roles with hosts, admin option', () => {
    const set = collectGrants(
      [
        'GRANT SELECT, INSERT ON *.* TO `app`@`%`',
        'GRANT BACKUP_ADMIN,AUDIT_ADMIN ON *.* TO `app`@`%` WITH GRANT OPTION',
        'GRANT `r1`@`%`,`r2`@`localhost` TO `app`@`%` WITH ADMIN OPTION',
        'GRANT SELECT (`a`, `b`), UPDATE (`b`) ON `db`.`t` TO `app`@`%`',
        'GRANT EXECUTE ON PROCEDURE `db`.`p` TO `app`@`%`',
        "GRANT PROXY ON ''@'' TO 'app'@'%'",
      ],
      account,
    );
    expect([...set.roles.values()].map((r) => [r.role, r.admin])).toEqual([
      [{ username: 'r1', host: '%' }, true],
      [{ username: 'r2', host: 'localhost' }, true],
    ]);
    const sql = grantStatements(set, "'c'@'%'", render).map((s) => s.sql);
    expect(sql).toEqual([
      "GRANT SELECT, INSERT ON *.* TO 'c'@'%'",
      "GRANT BACKUP_ADMIN, AUDIT_ADMIN ON *.* TO 'c'@'%' WITH GRANT OPTION",
      "GRANT SELECT (`a`, `b`), UPDATE (`b`) ON `db`.`t` TO 'c'@'%'",
      "GRANT EXECUTE ON PROCEDURE `db`.`p` TO 'c'@'%'",
      "GRANT PROXY ON ''@'' TO 'c'@'%'",
      "GRANT `r1`@`%` TO 'c'@'%' WITH ADMIN OPTION",
      "GRANT `r2`@`localhost` TO 'c'@'%' WITH ADMIN OPTION",
    ]);
  });

  it('ignores lines for another grantee and MariaDB SET DEFAULT ROLE lines', () => {
    const set = collectGrants(
      ['GRANT SELECT ON `db`.* TO `role_x`', 'SET DEFAULT ROLE `r` FOR `app`@`%`'],
      account,
    );
    expect(set.privileges.size).toBe(0);
    expect(set.roles.size).toBe(0);
  });

  it('revokes extras, admin options and grant options; ALL PRIVILEGES covers its parts', () => {
    const source = collectGrants(
      ['GRANT SELECT ON `db`.* TO `app`@`%`', 'GRANT `r1` TO `app`@`%`'],
      account,
    );
    const target = collectGrants(
      [
        'GRANT ALL PRIVILEGES ON `db`.* TO `c`@`%` WITH GRANT OPTION',
        'GRANT `r1` TO `c`@`%` WITH ADMIN OPTION',
        'GRANT `r9` TO `c`@`%`',
      ],
      { username: 'c', host: '%' },
    );
    const { missing, extra } = diffGrants(source, target);
    expect(missing.privileges.size).toBe(0);
    expect(
      revokeStatements(extra, source, "'c'@'%'", { ...render, roleHosts: false }).map((s) => s.sql),
    ).toEqual([
      "REVOKE GRANT OPTION ON `db`.* FROM 'c'@'%'",
      "REVOKE ALL PRIVILEGES ON `db`.* FROM 'c'@'%'",
      "REVOKE ADMIN OPTION FOR `r1` FROM 'c'@'%'",
      "REVOKE `r9` FROM 'c'@'%'",
    ]);
  });

  it('renders names that hold quotes safely in both sql_mode settings', () => {
    const set = collectGrants(
      ["GRANT SELECT ON `we``ird`.* TO 'app'@'%'", "GRANT PROXY ON 'o''b\\\\x'@'%' TO 'app'@'%'"],
      account,
    );
    const plain = grantStatements(set, "'c'@'%'", render).map((s) => s.sql);
    expect(plain).toEqual([
      "GRANT SELECT ON `we``ird`.* TO 'c'@'%'",
      "GRANT PROXY ON 'o''b\\\\x'@'%' TO 'c'@'%'",
    ]);
    const nbe = grantStatements(set, "'c'@'%'", { ...render, noBackslashEscapes: true });
    expect(nbe[1]?.sql).toBe("GRANT PROXY ON 'o''b\\x'@'%' TO 'c'@'%'");
  });
});
