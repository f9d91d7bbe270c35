// Parsing and rewriting of `SHOW GRANTS` output, MySQL (5.7, 8.x, 9.x) and MariaDB formats.
// Lines are never replayed as text: they are parsed into privileges, objects and roles and
// new statements are built from those, so nothing after the grantee (a password hash, REQUIRE,
// resource limits) can leak into the copy.

import { quoteIdentifier, quoteString } from '@rotakit/engine-mysql';

export interface Token {
  kind: 'word' | 'ident' | 'string' | 'number' | 'punct';
  /** Unquoted value (identifier/string contents, or the raw text). */
  value: string;
}

export class GrantParseError extends Error {
  override readonly name = 'GrantParseError';
}

/** Splits a statement into tokens, honouring backtick, single and double quotes. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '`' || ch === "'" || ch === '"') {
      const [value, next] = readQuoted(sql, i, ch);
      tokens.push({ kind: ch === '`' ? 'ident' : 'string', value });
      i = next;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(sql.slice(i));
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    const number = /^\d+/.exec(sql.slice(i));
    if (number) {
      // MySQL allows unquoted identifiers that start with digits (`GRANT ... ON 1db.*`).
      const rest = /^[A-Za-z0-9_$]*/.exec(sql.slice(i))?.[0] ?? number[0];
      tokens.push({ kind: /^\d+$/.test(rest) ? 'number' : 'word', value: rest });
      i += rest.length;
      continue;
    }
    tokens.push({ kind: 'punct', value: ch });
    i++;
  }
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\u0000',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  Z: '\u001a',
};

function readQuoted(sql: string, start: number, quote: string): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === quote) {
      if (sql[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return [value, i + 1];
    }
    // Backslash escapes exist in strings only; identifiers take a backslash literally (`d\_x`).
    if (ch === '\\' && quote !== '`' && i + 1 < sql.length) {
      const next = sql[i + 1] as string;
      value += SIMPLE_ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw new GrantParseError('unterminated quoted value in a SHOW GRANTS line');
}

const isWord = (token: Token | undefined, word: string) =>
  token?.kind === 'word' && token.value.toUpperCase() === word;

export interface AccountName {
  username: string;
  /** Undefined for a MariaDB role grantee, which has no host. */
  host: string | undefined;
}

export interface Privilege {
  /** Upper-case privilege name (`SELECT`, `ALL PRIVILEGES`, `BACKUP_ADMIN`). */
  name: string;
  /** Column names for a column privilege. */
  columns: readonly string[];
}

export interface GrantObject {
  /** A canonical rendering used as the comparison key. */
  key: string;
  /** The object as SQL, ready to put after `ON`. */
  tokens: readonly Token[];
}

export type GrantLine =
  | {
      type: 'privileges';
      grantee: AccountName;
      object: GrantObject;
      privileges: readonly Privilege[];
      grantOption: boolean;
    }
  | { type: 'roles'; grantee: AccountName; roles: readonly AccountName[]; adminOption: boolean }
  | { type: 'revoke'; grantee: AccountName; object: GrantObject; privileges: readonly Privilege[] }
  | { type: 'other' };

function renderTokens(tokens: readonly Token[], noBackslashEscapes: boolean): string {
  let out = '';
  let previous: Token | undefined;
  for (const token of tokens) {
    const text =
      token.kind === 'ident'
        ? quoteIdentifier(token.value)
        : token.kind === 'string'
          ? quoteString(token.value, noBackslashEscapes)
          : token.kind === 'word'
            ? token.value
            : token.value;
    const needsSpace =
      previous !== undefined && previous.kind !== 'punct' && token.kind !== 'punct';
    out += needsSpace ? ` ${text}` : text;
    previous = token;
  }
  return out;
}

function objectFrom(tokens: readonly Token[]): GrantObject {
  // Keywords (PROCEDURE, FUNCTION, TABLE, PACKAGE BODY) compare case-insensitively; names do not.
  const normalized = tokens.map((t) =>
    t.kind === 'word' && /^(PROCEDURE|FUNCTION|TABLE|PACKAGE|BODY)$/i.test(t.value)
      ? { kind: 'word' as const, value: t.value.toUpperCase() }
      : t,
  );
  const key = normalized
    .map((t) => (t.kind === 'ident' || t.kind === 'string' ? `<${t.value}>` : t.value))
    .join(' ');
  return { key, tokens: normalized };
}

function splitTopLevel(tokens: readonly Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct' && token.value === '(') depth++;
    if (token.kind === 'punct' && token.value === ')') depth--;
    if (depth === 0 && token.kind === 'punct' && token.value === ',') {
      parts.push([]);
      continue;
    }
    (parts[parts.length - 1] as Token[]).push(token);
  }
  return parts.filter((part) => part.length > 0);
}

function parsePrivileges(tokens: readonly Token[]): Privilege[] {
  return splitTopLevel(tokens).map((part) => {
    const open = part.findIndex((t) => t.kind === 'punct' && t.value === '(');
    const nameTokens = open === -1 ? part : part.slice(0, open);
    const name = nameTokens
      .map((t) => t.value)
      .join(' ')
      .toUpperCase();
    if (!name) throw new GrantParseError('empty privilege in a SHOW GRANTS line');
    const columns =
      open === -1
        ? []
        : part
            .slice(open + 1)
            .filter((t) => t.kind === 'ident' || t.kind === 'word' || t.kind === 'string')
            .map((t) => t.value);
    return { name, columns };
  });
}

/** Reads `user`, `user@host` at `index`; returns the account and the index after it. */
function readAccount(tokens: readonly Token[], index: number): [AccountName, number] {
  const user = tokens[index];
  if (!user || user.kind === 'punct' || user.kind === 'number') {
    throw new GrantParseError('expected an account name in a SHOW GRANTS line');
  }
  const at = tokens[index + 1];
  if (at?.kind === 'punct' && at.value === '@') {
    const host = tokens[index + 2];
    if (!host || host.kind === 'punct') {
      throw new GrantParseError('expected a host after @ in a SHOW GRANTS line');
    }
    return [{ username: user.value, host: host.value }, index + 3];
  }
  return [{ username: user.value, host: undefined }, index + 1];
}

/** Parses one line of `SHOW GRANTS` output. */
export function parseGrantLine(line: string): GrantLine {
  const tokens = tokenize(line);
  const first = tokens[0];
  if (isWord(first, 'GRANT') || isWord(first, 'REVOKE')) {
    const revoke = isWord(first, 'REVOKE');
    const toWord = revoke ? 'FROM' : 'TO';
    let depth = 0;
    let onIndex = -1;
    let toIndex = -1;
    for (let i = 1; i < tokens.length; i++) {
      const token = tokens[i] as Token;
      if (token.kind === 'punct' && token.value === '(') depth++;
      if (token.kind === 'punct' && token.value === ')') depth--;
      if (depth !== 0) continue;
      if (onIndex === -1 && toIndex === -1 && isWord(token, 'ON')) onIndex = i;
      if (isWord(token, toWord)) {
        toIndex = i;
        break;
      }
    }
    if (toIndex === -1) throw new GrantParseError(`no ${toWord} in a SHOW GRANTS line`);
    const [grantee, after] = readAccount(tokens, toIndex + 1);
    const rest = tokens.slice(after);
    const hasOption = (word: string) =>
      rest.some((t, i) => isWord(t, word) && isWord(rest[i + 1], 'OPTION'));
    if (onIndex !== -1) {
      const privileges = parsePrivileges(tokens.slice(1, onIndex));
      const object = objectFrom(tokens.slice(onIndex + 1, toIndex));
      if (object.tokens.length === 0) throw new GrantParseError('no object after ON');
      if (revoke) return { type: 'revoke', grantee, object, privileges };
      return { type: 'privileges', grantee, object, privileges, grantOption: hasOption('GRANT') };
    }
    if (revoke) return { type: 'other' };
    const roles: AccountName[] = [];
    for (const part of splitTopLevel(tokens.slice(1, toIndex))) {
      roles.push(readAccount(part, 0)[0]);
    }
    return { type: 'roles', grantee, roles, adminOption: hasOption('ADMIN') };
  }
  // `SET DEFAULT ROLE ... FOR ...` (MariaDB) and anything unknown: default roles are read
  // from the grant tables instead.
  return { type: 'other' };
}

export interface PrivilegeItem {
  object: GrantObject;
  name: string;
  column: string | undefined;
  /**
   * Held WITH GRANT OPTION. Object-wide for static privileges (all lines for an object
   * agree), per privilege for MySQL 8 dynamic privileges (printed on their own line).
   */
  grantOption: boolean;
}

export interface GrantSet {
  /** Privilege items keyed `object|PRIVILEGE|column`. */
  privileges: Map<string, PrivilegeItem>;
  /** Role items keyed by role; value says whether WITH ADMIN OPTION is held. */
  roles: Map<string, { role: AccountName; admin: boolean }>;
  /** Partial revokes (MySQL 8 `partial_revokes`), replayed as they are. */
  revokes: Extract<GrantLine, { type: 'revoke' }>[];
}

// `GRANT USAGE ON db.* ... WITH GRANT OPTION` grants nothing but the option: kept as a USAGE item.
const USAGE = 'USAGE';

function roleKey(role: AccountName): string {
  return role.host === undefined ? `<${role.username}>` : `<${role.username}>@<${role.host}>`;
}

const sameAccount = (a: AccountName, b: { username: string; host: string }) =>
  a.username === b.username && (a.host === undefined || a.host === b.host);

const emptySet = (): GrantSet => ({ privileges: new Map(), roles: new Map(), revokes: [] });

/**
 * Builds the set of privileges and roles that `SHOW GRANTS` lines give `account`. Lines for
 * another grantee (a role's own privileges, which some servers list too) are ignored.
 */
export function collectGrants(
  lines: readonly string[],
  account: { username: string; host: string },
): GrantSet {
  const set = emptySet();
  for (const line of lines) {
    const parsed = parseGrantLine(line);
    if (parsed.type === 'other' || !sameAccount(parsed.grantee, account)) continue;
    if (parsed.type === 'roles') {
      for (const role of parsed.roles) {
        const key = roleKey(role);
        const admin = parsed.adminOption || (set.roles.get(key)?.admin ?? false);
        set.roles.set(key, { role, admin });
      }
      continue;
    }
    if (parsed.type === 'revoke') {
      set.revokes.push(parsed);
      continue;
    }
    for (const privilege of parsed.privileges) {
      if (privilege.name === USAGE && !parsed.grantOption) continue;
      const columns = privilege.columns.length > 0 ? privilege.columns : [undefined];
      for (const column of columns) {
        const key = `${parsed.object.key}|${privilege.name}|${column ?? ''}`;
        const grantOption = parsed.grantOption || (set.privileges.get(key)?.grantOption ?? false);
        set.privileges.set(key, {
          object: parsed.object,
          name: privilege.name,
          column,
          grantOption,
        });
      }
    }
  }
  return set;
}

// A privilege is already held when the target has ALL PRIVILEGES on the object, or the same
// privilege for the whole table instead of a column (with the grant option if needed).
function heldBy(item: PrivilegeItem, target: GrantSet): boolean {
  const candidates = [
    target.privileges.get(`${item.object.key}|${item.name}|${item.column ?? ''}`),
    item.name === USAGE ? undefined : target.privileges.get(`${item.object.key}|ALL PRIVILEGES|`),
    item.column !== undefined
      ? target.privileges.get(`${item.object.key}|${item.name}|`)
      : undefined,
  ];
  return candidates.some((held) => held !== undefined && (held.grantOption || !item.grantOption));
}

export interface GrantDiff {
  missing: GrantSet;
  /** What to take away; an item with `grantOption: true` only means its grant option when the privilege itself is wanted. */
  extra: GrantSet;
}

/** What `target` lacks compared with `source`, and what it has beyond it. */
export function diffGrants(source: GrantSet, target: GrantSet): GrantDiff {
  const missing = emptySet();
  const extra = emptySet();
  for (const [key, item] of source.privileges) {
    if (!heldBy(item, target)) missing.privileges.set(key, item);
  }
  for (const [key, item] of target.privileges) {
    const wanted = source.privileges.get(key);
    if (!wanted) extra.privileges.set(key, item);
    else if (item.grantOption && !wanted.grantOption) extra.privileges.set(key, item);
  }
  for (const [key, item] of source.roles) {
    const held = target.roles.get(key);
    if (!held || (item.admin && !held.admin)) missing.roles.set(key, item);
  }
  for (const [key, item] of target.roles) {
    const wanted = source.roles.get(key);
    if (!wanted) extra.roles.set(key, item);
    else if (item.admin && !wanted.admin) extra.roles.set(key, { role: item.role, admin: true });
  }
  return { missing, extra };
}

export const isEmptyDiff = (set: GrantSet) => set.privileges.size === 0 && set.roles.size === 0;

export interface RenderOptions {
  noBackslashEscapes: boolean;
  /** MySQL 8 names roles `role@host`; MariaDB roles have no host. */
  roleHosts: boolean;
}

function renderRole(role: AccountName, options: RenderOptions): string {
  // Backticks, as SHOW GRANTS prints them: MariaDB does not take a quoted string as a role.
  const name = quoteIdentifier(role.username);
  if (role.host === undefined || !options.roleHosts) return name;
  return `${name}@${quoteIdentifier(role.host)}`;
}

function group(items: Iterable<PrivilegeItem>, keyOf: (item: PrivilegeItem) => string) {
  const groups = new Map<
    string,
    { object: GrantObject; grantOption: boolean; items: Map<string, string[]> }
  >();
  for (const item of items) {
    const key = keyOf(item);
    let entry = groups.get(key);
    if (!entry) {
      entry = { object: item.object, grantOption: item.grantOption, items: new Map() };
      groups.set(key, entry);
    }
    const columns = entry.items.get(item.name) ?? [];
    if (item.column !== undefined) columns.push(item.column);
    entry.items.set(item.name, columns);
  }
  return groups.values();
}

function renderPrivilegeList(items: Map<string, string[]>): string {
  return [...items]
    .map(([name, columns]) =>
      columns.length > 0 ? `${name} (${columns.map(quoteIdentifier).join(', ')})` : name,
    )
    .join(', ');
}

export interface GrantStatement {
  /** Statement kind for logs and errors (`GRANT`, `REVOKE`). */
  label: string;
  sql: string;
}

/** GRANT statements giving `grantee` what `missing` holds (one per object and grant option). */
export function grantStatements(
  missing: GrantSet,
  grantee: string,
  options: RenderOptions,
): GrantStatement[] {
  const statements: GrantStatement[] = [];
  for (const entry of group(
    missing.privileges.values(),
    (i) => `${i.object.key}#${i.grantOption}`,
  )) {
    if (entry.items.size > 1) entry.items.delete(USAGE);
    statements.push({
      label: 'GRANT',
      sql: `GRANT ${renderPrivilegeList(entry.items)} ON ${renderTokens(entry.object.tokens, options.noBackslashEscapes)} TO ${grantee}${entry.grantOption ? ' WITH GRANT OPTION' : ''}`,
    });
  }
  for (const { role, admin } of missing.roles.values()) {
    statements.push({
      label: 'GRANT ROLE',
      sql: `GRANT ${renderRole(role, options)} TO ${grantee}${admin ? ' WITH ADMIN OPTION' : ''}`,
    });
  }
  return statements;
}

/** REVOKE statements taking from `grantee` what `extra` holds beyond `source`. */
export function revokeStatements(
  extra: GrantSet,
  source: GrantSet,
  grantee: string,
  options: RenderOptions,
): GrantStatement[] {
  const statements: GrantStatement[] = [];
  const optionOnly = new Map<string, GrantObject>();
  const whole: PrivilegeItem[] = [];
  for (const [key, item] of extra.privileges) {
    if (item.name === USAGE || source.privileges.has(key)) {
      if (item.grantOption) optionOnly.set(item.object.key, item.object);
    } else {
      whole.push(item);
      if (item.grantOption) optionOnly.set(item.object.key, item.object);
    }
  }
  for (const object of optionOnly.values()) {
    statements.push({
      label: 'REVOKE',
      sql: `REVOKE GRANT OPTION ON ${renderTokens(object.tokens, options.noBackslashEscapes)} FROM ${grantee}`,
    });
  }
  for (const entry of group(whole, (i) => i.object.key)) {
    statements.push({
      label: 'REVOKE',
      sql: `REVOKE ${renderPrivilegeList(entry.items)} ON ${renderTokens(entry.object.tokens, options.noBackslashEscapes)} FROM ${grantee}`,
    });
  }
  for (const [key, { role }] of extra.roles) {
    statements.push({
      label: 'REVOKE ROLE',
      sql: source.roles.has(key)
        ? `REVOKE ADMIN OPTION FOR ${renderRole(role, options)} FROM ${grantee}`
        : `REVOKE ${renderRole(role, options)} FROM ${grantee}`,
    });
  }
  return statements;
}

/** Partial revokes of the source, replayed on the target. */
export function partialRevokeStatements(
  source: GrantSet,
  grantee: string,
  options: RenderOptions,
): GrantStatement[] {
  return source.revokes.map((line) => ({
    label: 'REVOKE',
    sql: `REVOKE ${line.privileges.map((p) => p.name).join(', ')} ON ${renderTokens(line.object.tokens, options.noBackslashEscapes)} FROM ${grantee}`,
  }));
}

/** A short, secret-free description of a set, for error messages. */
export function describeGrantSet(set: GrantSet): string {
  const parts = [...set.privileges.values()].map(
    (item) =>
      `${item.name}${item.column ? ` (${item.column})` : ''} ON ${renderTokens(item.object.tokens, false)}${item.grantOption ? ' WITH GRANT OPTION' : ''}`,
  );
  for (const { role, admin } of set.roles.values()) {
    parts.push(`role ${role.username}${admin ? ' WITH ADMIN OPTION' : ''}`);
  }
  return parts.join('; ');
}
